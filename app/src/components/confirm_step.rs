//! A step that cannot be undone asks before it is taken (issue 17, item 3): 批准, 驳回, 撤回,
//! 确认办结, 停用.
//!
//! The button that would have posted the step opens a question instead, and only its answer posts.
//! Without JavaScript the question is a disclosure (`<details>`): the first press shows what the
//! step does and the button that takes it, a second press on the first button folds it away. Once
//! the page's wasm has hydrated this island, the same press opens a modal `<dialog>` instead, with
//! the focus on 取消 (the step that changes nothing) and Escape to leave. Both answers are submit
//! buttons of the form they sit in, so what was typed there (an opinion, a reason) goes with the step.
use crate::i18n::{Locale, Msg};
use leptos::prelude::*;

/// `step` is the value the answer posts as `step` (the filing steps share one form and tell which
/// button was pressed by it); `None` where the form's action is the step itself (停用). In a table,
/// `which` names the row for screen readers after the label, as `PostButton` does. `label`,
/// `question`, `confirm` and `cancel` are translated by the page, since an island's props travel
/// to the browser as they are.
#[island]
pub fn ConfirmStep(
    step: Option<String>,
    label: String,
    which: Option<String>,
    question: String,
    confirm: String,
    cancel: String,
    testid: String,
    secondary: bool,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let stay = NodeRef::<leptos::html::Button>::new();
    let question_id = format!("{testid}-question");
    let dialog_question_id = format!("{testid}-dialog-question");
    // The dialog replaces the disclosure only where it can open: this runs in the browser, after
    // hydration; before it (or without wasm) the press falls through to `<details>`.
    let ask = move |ev: leptos::ev::MouseEvent| {
        if let Some(dialog) = dialog.get() {
            ev.prevent_default();
            if dialog.show_modal().is_ok()
                && let Some(stay) = stay.get()
            {
                let _ = stay.focus();
            }
        }
    };
    let close = move |_| {
        if let Some(dialog) = dialog.get() {
            dialog.close();
        }
    };
    let class = if secondary {
        "confirm-step secondary"
    } else {
        "confirm-step"
    };
    let answer = |testid: String, described_by: String| {
        view! {
            <button type="submit" name=step.as_ref().map(|_| "step") value=step.clone()
                aria-describedby=described_by data-testid=testid>
                {confirm.clone()}
            </button>
        }
    };
    view! {
        <details class=class>
            <summary data-testid=testid.clone() on:click=ask>
                {label.clone()}
                {which.map(|which| view! { <span class="visually-hidden">" "{which}</span> })}
            </summary>
            <div class="confirm-panel">
                <p id=question_id.clone() data-testid=question_id.clone()>{question.clone()}</p>
                {answer(format!("{testid}-confirm"), question_id.clone())}
            </div>
        </details>
        <dialog node_ref=dialog class="confirm-dialog" aria-labelledby=dialog_question_id.clone()
            data-testid=format!("{testid}-dialog")>
            <p id=dialog_question_id.clone()>{question.clone()}</p>
            <div class="inline-actions">
                {answer(format!("{testid}-dialog-confirm"), dialog_question_id.clone())}
                <button type="button" class="secondary" node_ref=stay on:click=close
                    data-testid=format!("{testid}-dialog-cancel")>
                    {cancel}
                </button>
            </div>
        </dialog>
    }
}

/// The filing steps that cannot be undone (`/api/filing_step`), each with the words of its question.
#[derive(Clone, Copy)]
pub enum FilingStep {
    Withdraw,
    Approve,
    Reject,
    ConfirmCompletion,
}

impl FilingStep {
    fn code(self) -> &'static str {
        match self {
            FilingStep::Withdraw => "withdraw",
            FilingStep::Approve => "approve",
            FilingStep::Reject => "reject",
            FilingStep::ConfirmCompletion => "confirm_completion",
        }
    }

    /// The button, the question, the answer that takes the step, the test id, and whether the
    /// button is a secondary one.
    /// The step's button on the filing page numbered `number`: the question, asked first.
    pub fn ask(self, locale: Locale, number: &str) -> AnyView {
        let (action, question, yes, testid, secondary) = self.words();
        view! {
            <ConfirmStep step=Some(self.code().to_string()) label=locale.t(action).to_string() which=None
                question=locale.tf(question, &[("number", number)]) confirm=locale.t(yes).to_string()
                cancel=locale.t(Msg::ConfirmCancel).to_string() testid=testid.to_string() secondary />
        }
        // Erased, or the filing page's view type grows past the compiler's limits.
        .into_any()
    }

    fn words(self) -> (Msg, Msg, Msg, &'static str, bool) {
        match self {
            FilingStep::Withdraw => (
                Msg::ActionWithdraw,
                Msg::ConfirmWithdraw,
                Msg::ConfirmWithdrawYes,
                "step-withdraw",
                true,
            ),
            FilingStep::Approve => (
                Msg::ActionApprove,
                Msg::ConfirmApprove,
                Msg::ConfirmApproveYes,
                "step-approve",
                false,
            ),
            FilingStep::Reject => (
                Msg::ActionReject,
                Msg::ConfirmReject,
                Msg::ConfirmRejectYes,
                "step-reject",
                true,
            ),
            FilingStep::ConfirmCompletion => (
                Msg::ActionConfirmCompletion,
                Msg::ConfirmConfirmCompletion,
                Msg::ConfirmConfirmCompletionYes,
                "step-confirm-completion",
                false,
            ),
        }
    }
}
