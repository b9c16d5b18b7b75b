//! Running operations that the window can cancel: one [`CancellationToken`] per operation id, kept in
//! Tauri's managed state while the operation runs. The webview picks the id (so it can cancel before
//! the command returns) and `cancel_operation` fires the token.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio_util::sync::CancellationToken;

/// The registry of running operations.
#[derive(Debug, Default, Clone)]
pub struct Operations {
    running: Arc<Mutex<HashMap<String, (u64, CancellationToken)>>>,
    next: Arc<AtomicU64>,
}

/// Keeps an operation registered; unregisters it when dropped (the command returned or failed).
pub struct Registered {
    operations: Operations,
    id: String,
    generation: u64,
    pub token: CancellationToken,
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut running = self
            .operations
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Only this registration: a later operation may have reused the id.
        if running
            .get(&self.id)
            .is_some_and(|(g, _)| *g == self.generation)
        {
            running.remove(&self.id);
        }
    }
}

impl Operations {
    /// Registers operation `id`. A second operation with the same id cancels the first.
    pub fn register(&self, id: &str) -> Registered {
        let token = CancellationToken::new();
        let generation = self.next.fetch_add(1, Ordering::Relaxed);
        let previous = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_owned(), (generation, token.clone()));
        if let Some((_, previous)) = previous {
            previous.cancel();
        }
        Registered {
            operations: self.clone(),
            id: id.to_owned(),
            generation,
            token,
        }
    }

    /// Cancels operation `id`; `false` when none with that id is running.
    pub fn cancel(&self, id: &str) -> bool {
        match self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
        {
            Some((_, token)) => {
                token.cancel();
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_fires_the_token_of_a_running_operation_only() {
        let ops = Operations::default();
        let a = ops.register("a");
        assert!(!ops.cancel("b"), "no operation b is running");
        assert!(ops.cancel("a"));
        assert!(a.token.is_cancelled());
    }

    #[test]
    fn a_finished_operation_is_forgotten() {
        let ops = Operations::default();
        drop(ops.register("a"));
        assert!(!ops.cancel("a"), "the registration ended with its guard");
    }

    #[test]
    fn reusing_an_id_cancels_the_earlier_operation() {
        let ops = Operations::default();
        let first = ops.register("x");
        let second = ops.register("x");
        assert!(first.token.is_cancelled());
        drop(first);
        assert!(
            ops.cancel("x"),
            "dropping the first keeps the second registered"
        );
        assert!(second.token.is_cancelled());
    }
}
