//! Running an async core call from the command line: a tokio runtime for the call, and Ctrl-C turned
//! into the call's cancellation (the core then stops promptly and reports `…cancelled`).

use std::future::Future;

use inflowave_core::finding::Finding;
use tokio_util::sync::CancellationToken;

/// Runs `call` to completion; Ctrl-C cancels the token it is given. Fails only when no runtime can
/// be built (exit code 2 at the caller).
pub fn run_cancellable<T, Fut>(call: impl FnOnce(CancellationToken) -> Fut) -> Result<T, Finding>
where
    Fut: Future<Output = T>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Finding::fail(
                "cli.runtime_failed",
                "The command could not start its async runtime",
                e.to_string(),
            )
        })?;
    Ok(runtime.block_on(async {
        let cancel = CancellationToken::new();
        let on_ctrl_c = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_ctrl_c.cancel();
            }
        });
        call(cancel).await
    }))
}
