//! `/`: the signed-in user's start page, by role.
use askama::Template;
use poem::{Response, handler};

use crate::{
    error::AppResult,
    users::Role,
    web::{Ctx, render},
};

#[derive(Template)]
#[template(path = "dashboard/show.html")]
struct DashboardPage<'a> {
    ctx: &'a Ctx,
    greeting: String,
    intro: String,
}

#[handler]
pub async fn show(ctx: &Ctx) -> AppResult<Response> {
    let user = ctx.user()?;
    let intro_id = match user.role {
        Role::Coordinator => "dashboard-intro-coordinator",
        Role::Finance => "dashboard-intro-finance",
        Role::Admin => "dashboard-intro-admin",
    };
    render(&DashboardPage {
        ctx,
        greeting: ctx.t_with(
            "dashboard-greeting",
            &[
                ("name", &user.name),
                ("role", &ctx.t(user.role.message_id())),
            ],
        ),
        intro: ctx.t(intro_id),
    })
}
