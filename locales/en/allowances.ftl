nav-allowances = Allowances
nav-payments = Payments
nav-budget = Budget
allowances-title = Allowances
allowance-title = Allowance request
allowance-new = Request an allowance
allowance-new-title = New allowance request
allowance-none = No allowances.
allowance-kind-housing = Housing (居住費支援)
allowance-kind-living = Living (生活費支援)
allowance-status-draft = Draft
allowance-status-submitted = Submitted
allowance-status-approved = Approved
allowance-status-rejected = Rejected
allowance-status-withdrawn = Withdrawn
allowance-status-stopped = Stopped
allowance-field-kind = Kind
allowance-field-monthly-amount = Monthly amount (yen)
allowance-monthly-amount = Monthly amount
allowance-field-start-month = First month
allowance-field-end-month = Last month
allowance-field-reason = Reason
allowance-field-status = Status
allowance-months = Months
allowance-total = Total
allowance-submitted-at = Submitted
allowance-requested-by = Requested by
allowance-decided = Decision
allowance-note = Note
allowance-caps = Monthly caps: housing { $housing }, living { $living }.
allowance-save-draft = Save as draft
allowance-saved-draft = The request has been saved as a draft. Submit it when it is ready.
allowance-action-submit = Submit for approval
allowance-action-withdraw = Withdraw
allowance-action-approve = Approve
allowance-action-reject = Reject
allowance-action-stop = Stop the allowance
allowance-approve-anyway = Approve despite the budget
allowance-done-submit = The request has been submitted.
allowance-done-withdraw = The request has been withdrawn.
allowance-done-approve = The request has been approved; its monthly payments are scheduled.
allowance-done-reject = The request has been rejected.
allowance-done-stop = The allowance has been stopped; unpaid future months are cancelled.
allowance-kind-invalid = Choose housing or living.
allowance-amount-invalid = Enter whole yen, more than zero (for example 45000).
allowance-amount-over-cap = This is above the monthly cap for this kind.
allowance-month-invalid = Enter a month as YYYY-MM.
allowance-end-before-start = The last month cannot be before the first.
allowance-too-long = A request covers at most 60 months.
allowance-reason-required = Give the reason for the request.
allowance-months-refused = These months cannot be requested (see above).
allowance-leaver-closed = This person's record is closed: no allowance can be requested.
allowance-outside-window = { $month } lies outside the support window ({ $start } to { $end }).
allowance-overlap = These months overlap another submitted or approved request of the same kind.
allowance-stale = This request changed since you opened it. Nothing was applied; check its current state.
allowance-note-required = A note is required.
allowance-confirm-over-budget = Approving this request would exceed the budget. Approve again to confirm.
allowance-over-budget = Fiscal year { $fy } { $kind }: over the budget by { $over }.

allowance-back = Back to the request
allowance-edit = Change the draft
allowance-edit-title = Change the draft request
allowance-draft-updated = The draft has been changed.
allowance-delete = Delete this draft
allowance-delete-title = Delete this draft request?
allowance-delete-consequence = The draft is deleted for good; the audit log keeps a record that it existed. Nothing was submitted, so nobody else is told.
allowance-draft-deleted = The draft has been deleted.
allowance-note-hint = Say why. The requester reads this note.
allowance-confirm-approve-title = Approve this request?
allowance-confirm-approve-consequence = Approving schedules { $count ->
    [one] one monthly payment
   *[other] { $count } monthly payments
} totalling { $total }. A decision cannot be undone; afterwards the allowance can only be stopped.
allowance-confirm-reject-title = Reject this request?
allowance-confirm-reject-consequence = Rejecting closes the request for good; nothing is paid. The requester can make a new request.
allowance-confirm-withdraw-title = Withdraw this request?
allowance-confirm-withdraw-consequence = Withdrawing takes the request back from finance for good. You can make a new request later.
allowance-confirm-stop-title = Stop this allowance?
allowance-confirm-stop-consequence = Stopping cancels { $count ->
    [0] no payment: no month after today is still to be paid
    [one] the one payment still to come ({ $total })
   *[other] the { $count } payments still to come ({ $total })
}. Months already paid, and this month, stay as they are. It cannot be undone.

payments-title = Payments
payment-month = Month
payment-amount = Amount
payment-status = Status
payment-paid-on = Paid on
payment-status-scheduled = Scheduled
payment-status-paid = Paid
payment-status-cancelled = Cancelled
payments-for-month = Payments for { $month }
payments-none = No payment lines this month.
payments-mark-paid = Mark paid
payments-mark-month-paid = Mark every scheduled line of the month paid
payments-totals = Totals
payments-csv = Download CSV
payments-marked = Marked as paid.
payments-month-marked = { $count ->
    [one] One line marked as paid.
   *[other] { $count } lines marked as paid.
}
payments-paid-on-invalid = Enter the payment date as YYYY-MM-DD.
payments-not-scheduled = This line is not waiting for payment.
payment-scheduled-total = Scheduled
payment-paid-total = Paid

budget-title = Budget
budget-fiscal-year = Fiscal year { $fy }
budget-budget = Budget
budget-committed = Committed (approved, unpaid)
budget-paid = Paid
budget-left = Left
budget-not-set = not set
budget-set = Set the budget
budget-amount = Annual budget (yen)
budget-saved = The budget has been saved.
budget-amount-invalid = Enter whole yen, more than zero.
budget-chart-title = Paid and scheduled per month
audit-entity-allowance = Allowance
audit-entity-payment = Payment
audit-entity-budget = Budget
audit-action-submit = Submitted
audit-action-withdraw = Withdrawn
audit-action-approve = Approved
audit-action-reject = Rejected
audit-action-stop = Stopped
audit-action-paid = Paid
audit-action-set = Set

dashboard-waiting = Requests waiting for a decision
dashboard-waiting-count = { $count ->
    [one] One request waiting; it was submitted { $oldest }.
   *[other] { $count } waiting; the oldest was submitted { $oldest }.
}
dashboard-waiting-none = No request is waiting.
dashboard-this-month = This month
dashboard-budget-summary = Budget this fiscal year
csv-case-number = case_number
csv-name = name
csv-kind = kind
csv-month = month
csv-amount = amount
csv-status = status
csv-paid-on = paid_on
csv-totals-kind = totals by kind
csv-totals-month = month
csv-totals-scheduled = scheduled
csv-totals-paid = paid
csv-totals-total = total
payments-future-month = Months that have not begun cannot be marked paid at once.
payments-month-changed = The month changed since the page was opened (new lines were scheduled). Check them and mark again.
payments-paid-on-future = The payment date cannot be in the future.
payments-paid-on-before-scheduled = The payment date cannot be before the payment was scheduled (when the allowance was approved).
payments-back = Back to the month's payments
payments-confirm-line-title = Record this payment as paid
payments-confirm-month-title = Record every payment of { $month } as paid
payments-confirm-month-count = { $count ->
    [one] One payment is waiting to be recorded as paid:
   *[other] { $count } payments are waiting to be recorded as paid:
}
payments-confirm-line-consequence = Check the line against the bank transfer. A payment recorded as paid cannot be changed back.
payments-confirm-month-consequence = Check these totals against the bank transfers. Every line is recorded as paid on the same date, and cannot be changed back.
payments-mark-count-paid = { $count ->
    [one] Record one payment as paid
   *[other] Record { $count } payments as paid
}
payments-none-scheduled = No payment of this month is waiting to be recorded as paid.
payments-paid-on-required = Enter the date the payment was made.
payments-line-changed = This line changed since the page was opened. Check it and mark it again.
allowance-open-approve = Approve…
allowance-open-reject = Reject this request…
allowance-open-withdraw = Withdraw this request…
allowance-open-stop = Stop this allowance…
