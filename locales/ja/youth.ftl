# 本人用リンク（職員側）
youth-link-title = 本人用リンク
youth-link-hint = 本人のページが開きます（面談予定への返事、合意した支援計画、手当と支払い、近況の連絡、連絡先）。有効期間は{ $days }日で、新しいリンクを作ると前のリンクは使えなくなります。
youth-link-none = 有効なリンクはありません。
youth-link-in-force = { $date }まで有効（{ $how }）。
youth-link-handed-email = メールで送付
youth-link-handed-shown = 対面で提示
youth-link-email = リンクをメールで送る
youth-link-show = リンクとQRコードを表示する
youth-link-no-email = メールで送るには、メールアドレスとメール送付への同意の記録が必要です。
youth-link-revoke-open = リンクを無効にする
youth-link-revoke-confirm = リンクと、それで開いているページはすぐに使えなくなります。後で新しいリンクを作れます。
youth-link-revoke = 今すぐ無効にする
youth-link-revoked = 本人用リンクを無効にしました。
youth-link-sent = 本人用リンクを本人のメールアドレスあてに送信待ちにしました。
youth-link-refused-closed = 終結または匿名化した記録には本人用リンクを作れません。
youth-link-refused-no-consent = メールで送るには、メールアドレスとメール送付への同意が必要です。
youth-link-shown-title = 本人用リンク
youth-link-shown-intro = このリンクを{ $name }さんに渡してください。スマートフォンのカメラでQRコードを読み取るか、アドレスを入力します。
youth-link-qr-label = 本人用リンクのQRコード
youth-link-expires = { $date }まで使えます。
youth-link-shown-once = このページは一度だけ表示されます。離れた後は新しいリンクを作ってください（前のリンクは使えなくなります）。
youth-link-back = 記録に戻る
audit-entity-youth-link = 本人用リンク
audit-action-open-link = リンクを開いた
audit-action-revoke-link = 本人用リンクを無効化
audit-actor-person = 本人

# 本人のページ（やさしい言葉で）
me-title = わたしのページ
me-hello = { $name }さん、こんにちは
me-your-coordinator = あなたの担当者
me-no-coordinator = アフターケアチーム
me-team-contact = チームへの連絡先
me-appointments = 次の面談の予定
me-no-appointments = いまは予定はありません。
me-your-answer = あなたの返事
me-answer-coming = 行きます
me-answer-not-coming = 行けません
me-answer-call-me = 電話してください
me-plans = あなたの支援計画
me-no-plans = まだ合意した計画はありません。
me-plan-agreed-on = { $date }に合意した計画
me-plan-title = あなたの支援計画
me-allowances = お金の支援
me-no-allowances = お金の支援の記録はありません。
me-per-month = ／月
me-payments = 支払い
me-payment-month = 月
me-payment-amount = 金額
me-payment-status = 支払い
me-sign-out = ログアウト
me-back = わたしのページに戻る

# 新しいリンクをもらう
me-link-title = 新しいリンクをもらう
me-link-ended = このリンクはもう使えません。新しいリンクをお願いできます。
me-link-intro = 担当者に伝えているメールアドレスを入力してください。合っていれば、新しいリンクを送ります。
me-link-email = あなたのメールアドレス
me-link-send = 新しいリンクを送ってもらう
me-link-sent = ありがとうございます。登録されているアドレスであれば、新しいリンクを送りました。届くまで数分かかることがあります。

# 本人へのメール
me-email-greeting = { $name }さん
me-email-link-subject = アフターケアチームのあなたのページ
me-email-link-intro = あなた専用のリンクです。面談の予定、支援計画、お金の支援を見られます。ほかの人には教えないでください。
me-email-link-open = あなたのページを開く
me-email-check-in-subject = 最近どうですか？
me-email-check-in-intro = しばらくお話ししていません。最近のようすを教えてください。ボタンを押すだけで大丈夫です。
me-email-check-in-open = ここから答える
me-email-footer = アフターケアチーム
me-email-footer-contact = アフターケアチーム・{ $contact }
