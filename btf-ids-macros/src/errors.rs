//! The one error sink of every macro: each mistake is pushed in reading
//! order and the macro goes on, so a user sees all of them in one build
//! (combined with `syn::Error::combine`, each at its own token).

/// The mistakes found so far.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    /// Adds a mistake.
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    /// `Ok` when nothing was pushed, else every mistake.
    pub fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }

    /// Every mistake after `first`, in one error.
    pub fn after(self, mut first: syn::Error) -> syn::Error {
        if let Some(rest) = self.0 {
            first.combine(rest);
        }
        first
    }

    /// Every mistake so far, then `last`, in one error.
    pub fn then(self, last: syn::Error) -> syn::Error {
        match self.0 {
            Some(mut all) => {
                all.combine(last);
                all
            }
            None => last,
        }
    }

    /// Every mistake as `compile_error!` invocations (nothing when none).
    pub fn to_compile_error(&self) -> proc_macro2::TokenStream {
        self.0
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }
}
