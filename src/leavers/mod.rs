//! The register of care leavers: `/leavers` (search, filters, pages), the profile with its
//! support window, creating and editing records, and status changes.
pub mod forms;
pub mod import;
pub mod import_page;
pub mod queries;
pub mod rules;
pub mod search;
pub mod views;
pub mod window;

use poem::{EndpointExt, Route, get, post};

use crate::{
    roles::Role,
    web::{guard::ADMIN, guard::ANY_ROLE, guard::require},
};

/// The record `id` for a page that shows it: 404 when there is none, and the view recorded
/// before anything of it is shown.
pub async fn load_for_page(
    ctx: &crate::web::context::Ctx,
    id: i32,
) -> crate::error::AppResult<entity::leavers::Model> {
    let l = queries::get(&ctx.app.db, id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    ctx.audit_view(vec![l.id]).await?;
    Ok(l)
}

/// Roles that keep the register (finance only reads identity and the support window).
pub const KEEPERS: &[Role] = &[Role::Coordinator, Role::Admin];

/// Every path of the register, with who may use it: any role reads it (finance sees identity
/// and the support window only); those who keep it create, edit and change status; admins
/// import.
pub fn mount(route: Route) -> Route {
    route
        .at("/leavers", get(views::list).with(require(ANY_ROLE)))
        .at(
            "/leavers/new",
            get(views::new_form)
                .post(views::create)
                .with(require(KEEPERS)),
        )
        .at("/leavers/:id", get(views::show).with(require(ANY_ROLE)))
        .at(
            "/leavers/:id/edit",
            get(views::edit_form)
                .post(views::update)
                .with(require(KEEPERS)),
        )
        .at(
            "/leavers/:id/status",
            post(views::change_status).with(require(KEEPERS)),
        )
        .at(
            "/admin/import",
            get(import_page::form)
                .post(import_page::upload)
                .with(require(ADMIN)),
        )
}
