//! Loading a record for a page that shows it.

/// The record `id` for a page that shows it: 404 when there is none, and the view recorded
/// before anything of it is shown.
pub async fn load_for_page(
    ctx: &crate::web::context::Ctx,
    id: i32,
) -> crate::error::AppResult<entity::leavers::Model> {
    let l = super::queries::get(&ctx.app.db, id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    ctx.audit_view(vec![l.id]).await?;
    Ok(l)
}
