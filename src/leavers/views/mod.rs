//! Handlers and page structs of the register: the list, the form, the profile and the status
//! change, one file each.
mod form;
mod listing;
mod profile;
mod status;

pub use form::{create, edit_form, new_form, update};
pub use listing::{ListQuery, ListRow, PageLink, list};
pub use profile::{Private, ShowPage, TimelineEntry, show, show_page};
pub use status::{StatusForm, change_status};

use entity::leavers;

use crate::{
    error::{AppError, AppResult},
    leavers::queries,
    web::{context::Ctx, guard::KEEPERS},
};

fn can_keep(ctx: &Ctx) -> bool {
    ctx.user.as_ref().is_some_and(|u| KEEPERS.contains(&u.role))
}

fn full_name(l: &leavers::Model) -> String {
    name_of(&l.family_name, &l.given_name)
}

fn kana_name(l: &leavers::Model) -> String {
    kana_of(l.family_name_kana.as_deref(), l.given_name_kana.as_deref())
}

fn name_of(family: &str, given: &str) -> String {
    format!("{family} {given}")
}

fn kana_of(family: Option<&str>, given: Option<&str>) -> String {
    [family, given]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------- list

async fn load(ctx: &Ctx, id: i32) -> AppResult<leavers::Model> {
    queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}
