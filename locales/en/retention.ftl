nav-retention = Retention
retention-title = Records past their retention date
retention-intro = These records have been kept for the retention period after support ended and the record closed. Select the ones to anonymise; records under a legal hold cannot be.
retention-confirm = Anonymise these records? Names, contact details, notes and all free text are erased for good; the figures for statistics are kept.
retention-date = Kept until
retention-none = No record is past its retention date.
retention-anonymise = Anonymise the selected records…
retention-anonymise-confirm = Yes, anonymise them
retention-anonymised = { $count ->
    [one] One record anonymised
   *[other] { $count } records anonymised
} ({ $held } under a legal hold were skipped).
retention-none-selected = Select at least one record.
hold-title = Legal hold
hold-none = No legal hold.
hold-in-force = Legal hold in force:
hold-place = Place a legal hold
hold-release = Release the legal hold
hold-placed = The legal hold has been placed.
hold-released = The legal hold has been released.
hold-reason = Reason for the hold
hold-release-reason = Reason for releasing it
hold-choose = Choose…
hold-release-reason-required = Choose the reason for releasing the legal hold.
hold-release-reason-settled = The matter is settled
hold-release-reason-withdrawn = The request or claim was withdrawn
hold-release-reason-mistake = Placed by mistake
hold-reason-required = Choose the reason for the legal hold.
hold-reason-disclosure = Disclosure request
hold-reason-appeal = Appeal
hold-reason-litigation = Litigation
hold-reason-inquiry = Inquiry
audit-action-hold = Legal hold placed
audit-action-release = Legal hold released
audit-action-anonymise = Anonymised
