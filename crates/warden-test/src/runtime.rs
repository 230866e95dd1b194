//! The client's own tokio runtime, on which every request runs.
//!
//! `#[tokio::test]` gives each test its own runtime, dropped when the test ends. A client
//! shared by many tests (in a `static`) must not tie anything to one of them: reqwest's pooled
//! connections are driven by tasks on the runtime that opened them, and when that runtime goes
//! away another test using the connection fails with "runtime dropped the dispatch task"
//! (seanmonstar/reqwest#1148). The same holds for an in-process app's own resources, such as a
//! database pool opened by the first request. So the client owns a runtime on a background
//! thread, runs every request there, and callers just await the result from any runtime.

use std::future::Future;
use std::thread;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// A multi-thread runtime living on a background thread until the driver is dropped.
#[derive(Debug)]
pub(crate) struct Driver {
    handle: Handle,
    /// Dropping the sender stops the runtime.
    _stop: oneshot::Sender<()>,
}

impl Driver {
    /// Starts the runtime.
    ///
    /// # Panics
    ///
    /// When the operating system refuses a thread or the runtime cannot be built.
    pub(crate) fn start() -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        thread::Builder::new()
            .name("warden-test".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .thread_name("warden-test-worker")
                    .build()
                    .expect("warden-test: cannot build the client's tokio runtime");
                // The receiver only goes away if `start` itself panicked.
                let _ = handle_tx.send(runtime.handle().clone());
                runtime.block_on(async {
                    let _ = stopped.await;
                });
                // Do not wait for blocking tasks still running: the client is gone.
                runtime.shutdown_background();
            })
            .expect("warden-test: cannot spawn the client's runtime thread");
        let handle = handle_rx
            .recv()
            .expect("warden-test: the client's runtime thread died while starting");
        Self {
            handle,
            _stop: stop,
        }
    }

    /// Runs `future` on the client's runtime and waits for its output from any runtime.
    /// A panic in the future resumes in the caller.
    pub(crate) async fn run<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self.handle.spawn(future).await {
            Ok(output) => output,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("warden-test: the request task was cancelled: {error}"),
        }
    }

    /// Calls `f` on a fresh thread inside the runtime's context, so that it may spawn tasks on
    /// the client's runtime and even `Handle::current().block_on(...)` async set-up code.
    pub(crate) fn call<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        thread::scope(|scope| {
            let joined = thread::Builder::new()
                .name("warden-test-setup".to_owned())
                .spawn_scoped(scope, || {
                    let _entered = self.handle.enter();
                    f()
                })
                .expect("warden-test: cannot spawn the set-up thread")
                .join();
            match joined {
                Ok(value) => value,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_spawned_by_requests_outlive_the_test_runtime_that_sent_them() {
        // What reqwest's connection tasks and an app's pool tasks need.
        let driver = Driver::start();
        let (ask, mut asked) = tokio::sync::mpsc::channel::<tokio::sync::oneshot::Sender<u8>>(1);
        let first = tokio::runtime::Runtime::new().unwrap();
        first.block_on(driver.run(async move {
            tokio::spawn(async move {
                while let Some(reply) = asked.recv().await {
                    let _ = reply.send(42);
                }
            });
        }));
        drop(first);
        let second = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let answer = second.block_on(driver.run(async move {
            let (reply, answer) = tokio::sync::oneshot::channel();
            ask.send(reply).await.unwrap();
            answer.await
        }));
        assert_eq!(answer, Ok(42));
    }

    #[test]
    fn panics_in_the_future_reach_the_caller() {
        let driver = Driver::start();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(driver.run(async { panic!("boom") }))
        }));
        let message = caught.unwrap_err();
        assert_eq!(message.downcast_ref::<&str>(), Some(&"boom"));
    }

    #[test]
    fn call_can_block_on_async_code_from_inside_a_runtime() {
        let driver = Driver::start();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let value = runtime.block_on(async {
            driver.call(|| {
                Handle::current().block_on(async {
                    tokio::task::yield_now().await;
                    7
                })
            })
        });
        assert_eq!(value, 7);
    }
}
