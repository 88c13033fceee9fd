nav-leavers = Register
leavers-title = Register
leaver-new = Add a care leaver
leaver-new-title = Add a care leaver
leaver-edit-title = Change a care leaver's details
leaver-search = Name or case number
leaver-filter-mine = My caseload
leaver-filter-ends-within = Support ends within (days)
leaver-sort = Sort by
leaver-sort-name = Name
leaver-sort-case-number = Case number
leaver-sort-support-end = Support end
leaver-list-summary = { $total ->
    [one] One record
   *[other] { $total } records
} · page { $page } of { $pages }
leaver-list-empty = No records match.
leaver-unassigned = (unassigned)
leaver-profile = Profile
leaver-window = Support window
leaver-support-start = Support starts
leaver-support-end = Support ends
leaver-window-days-left = { $days ->
    [one] One day of support left
   *[other] { $days } days of support left
}
leaver-window-not-started = Support starts in { $days ->
    [one] one day
   *[other] { $days } days
}
leaver-window-ended = Support ended
leaver-age-years = age { $age }
leaver-closed-on = Closed
leaver-change-status = Change status
leaver-created = The record has been created.
leaver-saved = The record has been saved.
leaver-status-changed = The status has been changed.

leaver-field-case-number = Case number
leaver-field-name = Name
leaver-field-family-name = Family name
leaver-field-given-name = Given name
leaver-field-family-name-kana = Family name (katakana)
leaver-field-given-name-kana = Given name (katakana)
leaver-field-date-of-birth = Date of birth
leaver-field-placement-type = Placement
leaver-field-placement-ended-on = Placement ended on
leaver-field-living-situation = Living situation
leaver-field-email = Email
leaver-field-phone = Phone
leaver-field-address = Address
leaver-field-contact-consent = Agrees to receive emails
leaver-field-coordinator = Coordinator
leaver-field-status = Status
leaver-field-closed-reason = Reason for closing
leaver-field-notes = Notes

leaver-status-active = Active
leaver-status-lost-contact = Lost contact
leaver-status-closed = Closed

placement-childrens-home = Children's home (児童養護施設)
placement-foster-care = Foster care (里親)
placement-family-home = Family home (ファミリーホーム)
placement-self-reliance-home = Self-reliance home (自立援助ホーム)
placement-therapeutic-facility = Therapeutic facility (児童心理治療施設)
placement-reform-facility = Children's self-reliance support facility (児童自立支援施設)
placement-other = Other

leaver-case-number-required = Enter the case number.
leaver-case-number-invalid = Use at most 32 characters, without spaces or invisible characters.
leaver-case-number-taken = Another record already has this case number.
leaver-name-required = Enter the name.
leaver-name-invalid = Use at most 50 characters on one line, without invisible characters.
leaver-kana-invalid = Use katakana (hiragana is converted).
leaver-date-required = Enter the date.
leaver-date-invalid = Enter a real date as YYYY-MM-DD.
leaver-birth-not-past = The date of birth must be in the past.
leaver-placement-end-future = The placement end cannot be in the future.
leaver-placement-end-before-birth = The placement end cannot be before the date of birth.
leaver-too-young = The person was younger than 15 when the placement ended; such records are not kept here.
leaver-placement-type-invalid = Choose the placement.
leaver-text-too-long = This text is too long or holds a control or direction-changing character: shorten it or remove the character.
leaver-phone-invalid = Enter a phone number of 6 to 15 digits (hyphens allowed).
leaver-coordinator-invalid = Choose an active coordinator.
leaver-status-invalid = Choose a new status.
leaver-closed-reason-required = Give the reason for closing the record.
leaver-already-closed = This record is closed; its status no longer changes.

select-choose = Choose…
yes = Yes
no = No
audit-entity-leaver = Care leaver
audit-action-status = Status changed
audit-action-recompute = Recomputed

nav-import = Import
import-title = Import a register
import-intro = Upload a CSV file with a header row naming the columns below (UTF-8, or Shift_JIS as Excel saves it). Every row is checked first: if any row is wrong nothing is imported and each problem is listed; otherwise all rows are imported together.
import-columns = Columns:
import-required = Required:
import-file = CSV file
import-submit = Check and import
import-line = Row
import-field = Column
import-problem = Problem
import-done = The register has been imported.
import-rejected = Nothing was imported. Correct these rows and upload the file again.
import-no-file = Choose a CSV file.
import-too-large = The file is too large (at most 8 MB).
import-unreadable = The file cannot be read as CSV.
import-encoding = The file is neither UTF-8 nor Shift_JIS text.
import-unknown-column = Unknown column.
import-missing-column = This required column is missing.
import-bad-row = This row cannot be read (check quotes and the number of columns).
import-status-invalid = Use active, lost_contact or closed.
import-case-number-repeated = This case number appears on an earlier row.
import-empty = The file has no rows.
audit-action-import = Imported
leaver-field-contact-every-days = Contact every (days)
leaver-cadence-invalid = Enter a number of days from 1 to 365.
leaver-status-unchanged = Choose a status other than the current one.
leaver-closed-reason-hint = Needed only when closing the record. A closed record cannot be opened again.
leaver-status-confirm-title = Check the status change
leaver-status-from = Current status
leaver-status-to = New status
leaver-status-confirm-closing = Closing is final: the record stays readable, but it cannot be opened again and takes no new allowance.
leaver-status-confirm-button = Confirm the change
leaver-too-old = With this date of birth the person was over 40 when the placement ended: check the year.
leaver-back-to-register = Back to the register
leaver-summary = Summary
leaver-alert-support-ending = Support ends in { $days ->
    [one] one day
   *[other] { $days } days
}.
leaver-alert-no-contact = No contact for { $days } days (expected every { $every } days).
leaver-alert-never-contacted = Never contacted since the record was made.
leaver-filter-hides = { $count ->
    [one] One more record matches, but the filters hide it.
   *[other] { $count } more records match, but the filters hide them.
}
leaver-filter-show-all = Show every matching record
leaver-attention-filter = Showing the dashboard list “{ $list }”.
leaver-attention-clear = Show the whole register
