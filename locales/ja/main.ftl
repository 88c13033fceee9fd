app-name = アフターケア
nav-label = メイン
nav-dashboard = ダッシュボード
nav-users = ユーザー
nav-audit = 監査ログ
nav-account = アカウント
nav-sign-out = ログアウト
language-en = English
language-ja = 日本語

role-coordinator = 支援コーディネーター
role-finance = 経理担当
role-admin = 管理者

dashboard-greeting = ようこそ、{ $name }さん（{ $role }）
dashboard-intro-coordinator = 担当ケース、フォローアップ、面談予定がここに表示されます。
dashboard-intro-finance = 決裁待ちの給付申請と今月の支払がここに表示されます。
dashboard-intro-admin = エスカレーション、決裁待ちの延長、メール送信状況がここに表示されます。

action-save = 保存
action-cancel = キャンセル
action-edit = 編集
action-filter = 絞り込み
filter-all = すべて
form-stale = このフォームを開いた後に、他の人がこの記録を変更しました。入力内容は下に残っています。最新の記録を確認してから、もう一度保存してください。

pager-label = ページ
pager-newer = 新しい順へ
pager-older = 古い順へ
pager-page = { $page }ページ

field-name = 氏名
field-email = メールアドレス
field-role = 役割
field-language = 言語
field-password = パスワード
field-password-confirm = パスワード（確認）
field-current-password = 現在のパスワード
field-new-password = 新しいパスワード
field-name-invalid = 氏名を1〜100文字で入力してください。
field-email-invalid = name@example.jp のようなメールアドレスを入力してください。
field-email-taken = このメールアドレスは別のアカウントで使われています。
field-role-invalid = 役割を選んでください。
field-language-invalid = 英語か日本語を選んでください。
field-password-too-short = 12文字以上にしてください。
field-password-too-long = 256文字以内にしてください。
field-password-mismatch = 2つのパスワードが一致しません。
field-current-password-wrong = 現在のパスワードが正しくありません。

error-not-found-title = ページが見つかりません
error-not-found-message = このアドレスのページはありません。または、すでに削除されています。
error-forbidden-title = アクセスできません
error-forbidden-message = あなたの役割では、このページや操作は使えません。
error-csrf-title = フォームの有効期限切れ
error-csrf-message = セキュリティトークンがないか古いため、このフォームを受け付けられませんでした。何も変更されていません。前のページに戻り、再読み込みしてからもう一度お試しください。
error-internal-title = エラーが発生しました
error-internal-message = サーバーでこの処理を完了できませんでした。もう一度お試しください。繰り返し起きる場合は、下のリクエストIDを管理者に伝えてください。
error-bad-request-title = リクエストを理解できません
error-bad-request-message = サーバーはこのリクエストを理解できませんでした。
error-request-id = リクエストID：
error-back-home = ダッシュボードへ戻る

dashboard-follow-ups-due = 7日以内のフォローアップ
dashboard-follow-ups-overdue = 期限を過ぎたフォローアップ
dashboard-appointments-week = 今週の面談予定
dashboard-no-contact = 長く接触のない方
dashboard-support-ending = 90日以内に支援終了
dashboard-nothing = 該当なし
dashboard-last-contact = 最終接触 { $when }
dashboard-never-contacted = 接触記録なし
dashboard-chart-title = 月別の相談実施件数（方法別）
dashboard-chart-table = グラフの数値
dashboard-month = 月
dashboard-total = 合計
dashboard-escalations = エスカレーション：接触の間隔を大きく超えた方
dashboard-extensions-waiting = 決裁待ちの延長
dashboard-disclosures = 回答期限のある開示請求
