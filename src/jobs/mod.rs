//! The jobs of the app: leases so that one instance runs each job, and the scheduler that
//! fires the reminder run and the backup on their crons (and makes up a fire missed while the
//! server was down).
pub mod lease;
pub mod scheduler;
