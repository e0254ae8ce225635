//! How the flow ends without a result: cancel at any step, the host failing, and what comes after the end.

use ebid_protocol::Reply;

use super::driver::{self, Driver, Step};
use super::*;
use crate::host_problem::HostProblem;

#[test]
fn cancel_at_every_step_closes_without_result() {
    // Each row brings a fresh flow to one step; cancelling there must close and never finish.
    let steps: [Step; 15] = [
        |_| {},
        |d| {
            d.feed(Input::HostReady);
        },
        |d| d.confirm(),
        |d| d.advance_to_reading_current(false),
        |d| {
            d.advance_to_current_pin(3);
        },
        |d| {
            d.advance_to_current_pin(3);
            d.pin("1234");
        },
        driver::fetching_challenge,
        driver::signing_current,
        // The insert screen, after the card was pulled.
        |d| {
            driver::signing_current(d);
            d.remove(READER);
        },
        |d| d.advance_to_swap(),
        driver::checking_candidate,
        |d| d.advance_to_new_card_ready(),
        |d| {
            d.advance_to_new_pin();
        },
        driver::signing_new,
        // The portal checks the new card's signature.
        |d| {
            driver::signing_new(d);
            d.answer(Ok(signature("TkVXU0lH")));
        },
    ];
    for (index, step) in steps.into_iter().enumerate() {
        let mut d = Driver::at(step);
        assert_eq!(d.cancel(), vec![Effect::Close], "step {index}");
        assert!(d.flow.is_over());
        // The host's answer arriving after the cancel changes nothing.
        if let Some(request) = d.last.clone() {
            assert!(d.answer_to(request.id, Ok(signature("eA=="))).is_empty());
        }
        // Nor does the portal's.
        if let Some((id, _)) = d.last_portal.clone() {
            assert!(d
                .feed(Input::Portal {
                    id,
                    status: 200,
                    body: r#"{"confirm":"/x"}"#.into(),
                    error: None,
                })
                .is_empty());
        }
    }
}

#[test]
fn host_problems_stop_the_flow() {
    let mut d = Driver::new();
    let effects = d.feed(Input::HostProblem(HostProblem::NotAnswering));
    assert_eq!(
        screen(&effects),
        Some(&Screen::Failed {
            failure: Failure::Host(HostProblem::NotAnswering)
        })
    );
    assert_eq!(d.ok(), vec![Effect::Close]);

    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    let effects = d.feed(Input::HostProblem(HostProblem::Exited {
        detail: "Native host has exited.".into(),
    }));
    assert!(shows(&effects, |s| matches!(s, Screen::Failed { .. })));
}

#[test]
fn a_host_that_stops_answering_mid_flow_ends_in_the_failed_screen() {
    let stopped = HostProblem::StoppedAnswering {
        request: "sign_challenge".into(),
        waited_s: 20,
    };
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    d.pin("1234");
    d.answer(Ok(Reply::PinVerified));
    let late = d.last.clone().expect("the signature was asked for");
    let effects = d.feed(Input::HostProblem(stopped.clone()));
    assert_eq!(
        effects,
        vec![Effect::Show(Screen::Failed {
            failure: Failure::Host(stopped)
        })]
    );
    // An answer that still arrives changes nothing; the one button closes without a result.
    assert!(d.answer_to(late.id, Ok(signature("eA=="))).is_empty());
    assert_eq!(d.ok(), vec![Effect::Close]);
}
