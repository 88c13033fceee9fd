## 用語集：この辞書（日本語）のすべてのメッセージで、一つの概念には一つの用語を使う。
## 「# avoid:」の行は、どのメッセージにも使わない言い方（テストで確認する）。
# 台帳：支援対象者の一覧（ページ名とナビゲーション）。
# 支援対象者：記録の本人。記録：台帳の一件。
# 担当コーディネーター：支援対象者を担当する職員（役割名は支援コーディネーター）。
# 相談：実施・欠席・取消の連絡。面談：予定した相談。
# フォローアップ：次の連絡の期日。
# 支援計画：本人の希望と目標。本人と合意する。
# 給付：居住費支援・生活費支援。申請：コーディネーターが求めるもの。
# 支払：承認された給付の各月分（予定→支払済み）。
# 延長：通常の終了日を過ぎた支援。法的保全：匿名化を止めるもの。
# 経理担当：給付を決裁し支払を記録する役割。
# avoid: 新規登録
# avoid: 財務担当
# avoid: 面接
# avoid: リーガルホールド
app-name = アフターケア
skip-to-main = 本文へ移動
table-scroll = 表（狭い画面では横にスクロールできます）
table-actions = 操作
table-select = 選択
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
field-name-invalid = 氏名を1〜100文字で、目に見えない文字を含めずに入力してください。
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
dashboard-backup-ok = 最後のバックアップ：{ $when }（作成・検証済み）
dashboard-backup-failed = 最後の定時バックアップ（{ $when }）は失敗しました。ログを確認してください。
dashboard-backup-none = 定時バックアップはまだ実行されていません。
error-too-large-title = 送信されたデータが大きすぎます
error-too-large-message = この送信はサーバーが受け付ける大きさ（フォームは 2 MB、ファイルのアップロードは 9 MB）を超えていました。何も変更されていません。文章を短くするか、ファイルを分けて、もう一度お試しください。
field-password-weak = このパスワードは推測されやすいものです（よく使われる語、123456 や aaaa のような並び、キーボードの列、ご自身の氏名やメールアドレスなどからできています）。互いに関係のない3〜4語をつなげた文などにしてください。
field-password-invalid-characters = パスワードに制御文字や目に見えない文字は使えません。
error-title-prefix = エラー：
error-prefix = エラー：
error-summary-title = 入力内容に問題があります
field-optional = （任意）
dashboard-see-all = 台帳で { $count } 件すべてを見る
dashboard-count-unit = 件
