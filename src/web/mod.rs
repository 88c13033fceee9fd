//! Shared web plumbing: the per-request context, middleware, role guards, forms and rendering.
pub mod assets;
pub mod client;
pub mod context;
pub mod csrf;
pub mod forms;
pub mod guard;
pub mod limits;
pub mod middleware;
pub mod qr;
pub mod render;
