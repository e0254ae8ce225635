//! One native messaging port to `ebid-host`: waits for the Hello (or tells why it never came), then carries
//! requests out and messages in. A request left unanswered past its deadline ([`crate::answer_deadline`]) ends
//! the link like a problem. A disconnected port is never reused: a new flow opens a new one.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use ebid_protocol::{HostMessage, Request, HOST_NAME};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::chrome::{self, Port};
use crate::answer_deadline::AnswerDeadlines;
use crate::host_problem::{
    check_hello, classify_disconnect, parse_first_message, parse_host_message, HostProblem,
    HELLO_TIMEOUT_MS,
};

pub enum HostSignal {
    /// Hello received with our protocol; carries the host's version.
    Ready(String),
    Message(HostMessage),
    /// The host is unusable; no further signal follows.
    Problem(HostProblem),
}

type Handler = Rc<dyn Fn(HostSignal)>;

pub struct NativeHost {
    port: Option<Port>,
    state: Rc<LinkState>,
    _listeners: Vec<Closure<dyn FnMut(JsValue)>>,
    _timer: Option<Closure<dyn FnMut()>>,
    _answer_timer: Option<Closure<dyn FnMut()>>,
}

struct LinkState {
    hello_seen: Cell<bool>,
    over: Cell<bool>,
    timer: RefCell<Option<JsValue>>,
    port: RefCell<Option<Port>>,
    deadlines: RefCell<AnswerDeadlines>,
    /// The pending `setTimeout` for the earliest answer due, and the function it calls.
    answer_timer: RefCell<Option<JsValue>>,
    answer_timer_fn: RefCell<Option<JsValue>>,
}

impl LinkState {
    /// Ends the link once: stops the timer and closes the port, so no signal follows the first problem.
    fn end(&self) -> bool {
        if self.over.replace(true) {
            return false;
        }
        if let Some(id) = self.timer.borrow_mut().take() {
            chrome::clear_timeout(&id);
        }
        if let Some(id) = self.answer_timer.borrow_mut().take() {
            chrome::clear_timeout(&id);
        }
        if let Some(port) = self.port.borrow_mut().take() {
            port.disconnect();
        }
        true
    }

    /// Sets the answer timer to the earliest deadline (or none when nothing is outstanding).
    fn arm_answer_timer(&self) {
        if let Some(id) = self.answer_timer.borrow_mut().take() {
            chrome::clear_timeout(&id);
        }
        if self.over.get() {
            return;
        }
        let Some(due) = self.deadlines.borrow().next_due_ms() else {
            return;
        };
        let Some(function) = self.answer_timer_fn.borrow().clone() else {
            return;
        };
        // At least 1 ms: a timer that fires a hair early finds nothing overdue and re-arms.
        let delay = (due - js_sys::Date::now()).clamp(1.0, f64::from(i32::MAX)) as i32;
        let id = chrome::set_timeout(function.unchecked_ref(), delay);
        *self.answer_timer.borrow_mut() = Some(id);
    }
}

impl NativeHost {
    /// Connects and reports through `handler`. The first signal is `Ready` or `Problem`.
    pub fn connect(handler: Handler) -> NativeHost {
        let state = Rc::new(LinkState {
            hello_seen: Cell::new(false),
            over: Cell::new(false),
            timer: RefCell::new(None),
            port: RefCell::new(None),
            deadlines: RefCell::new(AnswerDeadlines::default()),
            answer_timer: RefCell::new(None),
            answer_timer_fn: RefCell::new(None),
        });
        let port = match chrome::connect_native(HOST_NAME) {
            Ok(port) => port,
            Err(detail) => {
                // Firefox throws at once when the manifest is missing or the permission is absent.
                state.over.set(true);
                let problem = classify_disconnect(Some(&detail), false);
                let deferred = handler.clone();
                let once = Closure::once_into_js(move || deferred(HostSignal::Problem(problem)));
                chrome::set_timeout(once.unchecked_ref(), 0);
                return NativeHost {
                    port: None,
                    state,
                    _listeners: Vec::new(),
                    _timer: None,
                    _answer_timer: None,
                };
            }
        };
        *state.port.borrow_mut() = Some(port.clone().unchecked_into());

        let on_message = {
            let state = state.clone();
            let handler = handler.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
                if state.over.get() {
                    return;
                }
                let Some(json) = chrome::to_json(&message) else {
                    return;
                };
                if !state.hello_seen.get() {
                    state.hello_seen.set(true);
                    if let Some(id) = state.timer.borrow_mut().take() {
                        chrome::clear_timeout(&id);
                    }
                    match parse_first_message(&json).and_then(|m| check_hello(&m)) {
                        Ok(version) => handler(HostSignal::Ready(version)),
                        Err(problem) => {
                            state.end();
                            handler(HostSignal::Problem(problem));
                        }
                    }
                    return;
                }
                match parse_host_message(&json) {
                    Ok(message) => {
                        state.deadlines.borrow_mut().received(&message);
                        state.arm_answer_timer();
                        handler(HostSignal::Message(message))
                    }
                    Err(problem) => {
                        state.end();
                        handler(HostSignal::Problem(problem));
                    }
                }
            })
        };
        let on_disconnect = {
            let state = state.clone();
            let handler = handler.clone();
            let port_for_reason = port.clone().unchecked_into::<Port>();
            Closure::<dyn FnMut(JsValue)>::new(move |_port: JsValue| {
                let reason = chrome::disconnect_reason(&port_for_reason);
                state.port.borrow_mut().take();
                if state.end() {
                    handler(HostSignal::Problem(classify_disconnect(
                        reason.as_deref(),
                        state.hello_seen.get(),
                    )));
                }
            })
        };
        port.on_message()
            .add_listener(on_message.as_ref().unchecked_ref());
        port.on_disconnect()
            .add_listener(on_disconnect.as_ref().unchecked_ref());

        let timer = {
            let state = state.clone();
            let handler = handler.clone();
            Closure::<dyn FnMut()>::new(move || {
                state.timer.borrow_mut().take();
                if !state.hello_seen.get() && state.end() {
                    handler(HostSignal::Problem(HostProblem::NotAnswering));
                }
            })
        };
        let id = chrome::set_timeout(timer.as_ref().unchecked_ref(), HELLO_TIMEOUT_MS as i32);
        *state.timer.borrow_mut() = Some(id);

        let answer_timer = {
            let state = state.clone();
            let handler = handler.clone();
            Closure::<dyn FnMut()>::new(move || {
                state.answer_timer.borrow_mut().take();
                let overdue = state.deadlines.borrow().overdue(js_sys::Date::now());
                match overdue {
                    // The port is disconnected before the flow hears of it: a late answer cannot arrive.
                    Some(problem) => {
                        if state.end() {
                            handler(HostSignal::Problem(problem));
                        }
                    }
                    None => state.arm_answer_timer(),
                }
            })
        };
        *state.answer_timer_fn.borrow_mut() = Some(answer_timer.as_ref().clone());

        NativeHost {
            port: Some(port),
            state,
            _listeners: vec![on_message, on_disconnect],
            _timer: Some(timer),
            _answer_timer: Some(answer_timer),
        }
    }

    /// Sends a request. The JSON may hold a PIN: it is wiped once the browser has copied it.
    pub fn send(&self, request: &Request) -> bool {
        if self.state.over.get() {
            return false;
        }
        let Some(port) = &self.port else {
            return false;
        };
        let posted = match serde_json::to_string(request) {
            Ok(json) => port.try_post_json(&Zeroizing::new(json)),
            Err(_) => false,
        };
        if posted {
            self.state
                .deadlines
                .borrow_mut()
                .sent(request, js_sys::Date::now());
            self.state.arm_answer_timer();
        }
        posted
    }

    /// Closes the port; no signal follows.
    pub fn close(&self) {
        self.state.end();
    }
}
