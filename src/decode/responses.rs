//! Recorded provider responses as a format of the scan loop.
//!
//! A page holds one response (a line of an NDJSON file of responses, or a whole
//! pretty-printed `.json` file). The provider layer maps a response in one pass, so
//! the cursor decodes the page's offers on its first step, into buffers reused from
//! page to page, then hands them to the loop one at a time: the loop's stop checks,
//! filter, exact-N slot taking and error policy are the same as for canonical
//! records. Two-pass decoding buys nothing here (the offer is already parsed), so
//! [`Cursor::rest`] has nothing left to do.
//!
//! A response that cannot be used at all (not JSON, cut short, a provider's error
//! body, an unknown provider) is one bad record at the response's line, under the
//! run's error policy; an offer that cannot be mapped is a bad record naming its
//! index in the response. Neither touches the other offers.

use std::ops::Range;

use super::Cursor;
use crate::error::RecordError;
use crate::provider::{detect, Decoder, DetectError, Provider};
use crate::record::Flight;

/// How much of a response a reject shows: responses run to megabytes, and the
/// message already says which offer failed.
const SAMPLE_BYTES: usize = 1024;

/// One worker's reusable state for response pages.
#[derive(Default)]
pub(crate) struct Responses {
    decoder: Decoder,
    /// The current page's offers, in response order; `len` of them are in use.
    offers: Vec<Slot>,
    len: usize,
}

#[derive(Default)]
struct Slot {
    flight: Flight,
    error: Option<RecordError>,
    mismatch: bool,
}

impl Responses {
    fn push(&mut self) -> &mut Slot {
        if self.len == self.offers.len() {
            self.offers.push(Slot::default());
        }
        self.len += 1;
        let slot = &mut self.offers[self.len - 1];
        slot.error = None;
        slot.mismatch = false;
        slot
    }

    /// Decodes a whole response into the slots.
    fn load(&mut self, provider: Option<Provider>, page: &[u8]) {
        self.len = 0;
        if page.iter().all(u8::is_ascii_whitespace) {
            return; // a blank line between responses
        }
        let provider = match provider.map_or_else(|| detect(page), Ok) {
            Ok(p) => p,
            // A last page with no offers: nothing to read, nothing wrong.
            Err(DetectError::NoOffers) => return,
            Err(e) => {
                self.push().error = Some(RecordError::record(e.reason(), e.to_string()));
                return;
            }
        };
        let mut decoder = std::mem::take(&mut self.decoder);
        let result = decoder.decode(provider, page, |offer| {
            let slot = self.push();
            match offer.result {
                Ok(d) => {
                    slot.flight.clone_from(&d.flight);
                    slot.mismatch = d.duration_mismatch.is_some();
                }
                Err(mut e) => {
                    e.message = format!("offer {}: {}", offer.index, e.message);
                    slot.error = Some(e);
                }
            }
            std::ops::ControlFlow::Continue(())
        });
        self.decoder = decoder;
        if let Err(e) = result {
            self.len = 0;
            self.push().error = Some(RecordError::record(e.reason(), e.to_string()));
        }
    }
}

/// The scan loop's view of one response page.
pub(crate) struct ResponseCursor<'a> {
    state: &'a mut Responses,
    provider: Option<Provider>,
    /// The next offer to hand out; `None` before the page is decoded.
    next: Option<usize>,
    current: usize,
    /// Offers handed out whose stated duration disagrees with the clock.
    pub mismatches: u64,
}

impl<'a> ResponseCursor<'a> {
    /// A cursor over pages of `provider` (`None`: told per response).
    pub(crate) fn new(state: &'a mut Responses, provider: Option<Provider>) -> Self {
        ResponseCursor {
            state,
            provider,
            next: None,
            current: 0,
            mismatches: 0,
        }
    }
}

impl Cursor for ResponseCursor<'_> {
    fn next_record(&mut self, page: &[u8]) -> Option<(Range<usize>, u64)> {
        let next = match self.next {
            Some(n) => n,
            None => {
                self.state.load(self.provider, page);
                0
            }
        };
        if next >= self.state.len {
            self.next = Some(next);
            return None;
        }
        self.current = next;
        self.next = Some(next + 1);
        Some((0..page.len().min(SAMPLE_BYTES), 0))
    }

    fn first(&mut self, _page: &[u8], _mask: u32, flight: &mut Flight) -> Result<(), RecordError> {
        let slot = &mut self.state.offers[self.current];
        if let Some(e) = slot.error.take() {
            return Err(e);
        }
        // The slot gets the caller's cleared flight back: both keep their buffers.
        std::mem::swap(flight, &mut slot.flight);
        self.mismatches += slot.mismatch as u64;
        Ok(())
    }

    fn rest(&mut self, _page: &[u8], _mask: u32, _flight: &mut Flight) -> Result<(), RecordError> {
        Ok(())
    }

    fn canonical(&self) -> bool {
        false
    }
}
