login-title = Sign in
login-submit = Sign in
login-failed = The email address or password is wrong.
login-locked = Too many failed sign-in attempts. Sign-in is paused for { $minutes } minutes; try again later.
login-signed-out = You have signed out.

setup-title = Create the first administrator
setup-intro = No account exists yet. Create the administrator account that will manage the others.
setup-submit = Create administrator
setup-done = The administrator account has been created, and you are signed in.

account-title = My account
account-language = Language
account-password = Change password
account-change-password = Change password
account-language-saved = Your language has been saved.
account-password-changed = Your password has been changed. Other sessions of your account have been signed out.
field-current-password-locked = Too many wrong attempts. Try again later.
audit-action-sign-in-locked = Sign-in refused (paused)
audit-action-password-check-failed = Wrong current password
