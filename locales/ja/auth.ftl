login-title = ログイン
login-submit = ログイン
login-failed = メールアドレスまたはパスワードが違います。
login-locked = ログインの失敗が続いたため、{ $minutes }分間ログインを停止しています。しばらくしてからお試しください。
login-signed-out = ログアウトしました。

setup-title = 最初の管理者を作成
setup-intro = まだアカウントがありません。他のアカウントを管理する管理者アカウントを作成してください。
setup-submit = 管理者を作成
setup-done = 管理者アカウントを作成し、ログインしました。

account-title = アカウント
account-language = 言語
account-password = パスワードの変更
account-change-password = パスワードを変更
account-language-saved = 言語を保存しました。
account-password-changed = パスワードを変更しました。このアカウントの他のセッションはログアウトされました。
field-current-password-locked = 誤りが続いたため一時的に停止しています。しばらくしてからお試しください。
audit-action-sign-in-locked = ログイン拒否（停止中）
audit-action-password-check-failed = 現在のパスワードの誤り
