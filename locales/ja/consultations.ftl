consultations-title = 相談記録
consultation-new = 相談を記録・面談を予定する
consultation-new-title = 相談の記録
consultation-edit-title = 相談の編集
consultation-saved = 相談記録を保存しました。
consultation-last-contact = 最終接触日
consultation-next-follow-up = 次回フォローアップ
consultation-none-yet = まだありません
consultation-cancelled-final = この相談は取消済みのため、変更できません。

consultation-field-held-at = 日時
consultation-field-status = 状態
consultation-field-channel = 方法
consultation-field-topics = 相談内容の分類
consultation-field-summary = 概要
consultation-field-next-follow-up-on = 次回フォローアップ日

consultation-status-planned = 予定
consultation-status-held = 実施
consultation-status-missed = 不在・欠席
consultation-status-cancelled = 取消

channel-in-person = 対面
channel-phone = 電話
channel-home-visit = 家庭訪問
channel-online = オンライン
channel-message = メッセージ

topic-housing = 住まい
topic-work = 仕事
topic-school = 学校
topic-health = 健康
topic-money = お金
topic-relationships = 人間関係
topic-legal = 法律
topic-daily-living = 日常生活
topic-other = その他

consultation-held-at-required = 日時を入力してください。
consultation-held-at-invalid = 実在する日時を入力してください。
consultation-status-invalid = 状態を選んでください。
consultation-status-not-allowed = 現在の状態からこの状態には変更できません。
consultation-channel-invalid = 方法を選んでください。
consultation-topic-invalid = 一覧から分類を選んでください。
consultation-held-in-future = 実施・欠席の相談に未来の日時は入力できません。
consultation-planned-in-past = 予定の面談は未来の日時にしてください。
consultation-summary-required = 相談の概要を記入してください。
consultation-follow-up-before = フォローアップ日を相談日より前にはできません。
audit-entity-consultation = 相談記録
consultation-next-appointment = 次の面談
