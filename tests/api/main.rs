//! HTTP tests against the real application; one binary so it links once.
mod helpers;
mod pages;

mod allowances;
mod audit;
mod auth;
mod command_line;
mod consultations;
mod csrf;
mod dashboard;
mod disclosure;
mod extensions;
mod faults;
mod hardening;
mod health;
mod i18n;
mod import;
mod leavers;
mod mail;
mod plans;
mod reminders;
mod reports;
mod retention;
mod roles;
mod setup;
mod smtp;
mod users;
