//! The decisions on one file's hunks: a state machine with no I/O.
//!
//! [`Review`] holds the hunks of a file in order, a decision (accept, skip
//! or none yet) for each, the hunk the cursor is on, and an undo history. It
//! knows git's navigation (`j`/`J`/`k`/`K`, `g` to a hunk by number; `/`
//! and the printing keys `p`/`P` are the session's), the bulk answers (`a`, `d`),
//! splitting (the caller supplies the parts) and `u`. It does not know what
//! a hunk contains, how it is shown, or whether accepting it is valid: the
//! session checks that before calling [`Review::decide`].

/// The answers of the prompt, in the order they are offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// `y`: apply this hunk.
    Yes,
    /// `n`: do not apply this hunk.
    No,
    /// `q`: quit; keep what was accepted, apply nothing else.
    Quit,
    /// `a`: apply this hunk and all later undecided hunks of the file.
    All,
    /// `d`: skip this hunk and all later undecided hunks of the file.
    Done,
    /// `j`: leave this hunk undecided, see the next undecided hunk.
    NextUndecided,
    /// `J`: leave this hunk undecided, see the next hunk.
    Next,
    /// `k`: leave this hunk undecided, see the previous undecided hunk.
    PreviousUndecided,
    /// `K`: leave this hunk undecided, see the previous hunk.
    Previous,
    /// `g`: go to a hunk by its number.
    Goto,
    /// `/`: go to the next hunk matching a regular expression.
    Search,
    /// `s`: split this hunk into one hunk per fix.
    Split,
    /// `e`: edit this hunk by hand.
    Edit,
    /// `p`: print this hunk again.
    Print,
    /// `P`: print this hunk through the pager.
    Pager,
    /// `u`: undo the previous decision (or split) in this file.
    Undo,
    /// `?`: print help.
    Help,
}

impl Key {
    pub const ALL: [Key; 17] = [
        Key::Yes,
        Key::No,
        Key::Quit,
        Key::All,
        Key::Done,
        Key::NextUndecided,
        Key::Next,
        Key::PreviousUndecided,
        Key::Previous,
        Key::Goto,
        Key::Search,
        Key::Split,
        Key::Edit,
        Key::Print,
        Key::Pager,
        Key::Undo,
        Key::Help,
    ];

    pub fn char(self) -> char {
        match self {
            Key::Yes => 'y',
            Key::No => 'n',
            Key::Quit => 'q',
            Key::All => 'a',
            Key::Done => 'd',
            Key::NextUndecided => 'j',
            Key::Next => 'J',
            Key::PreviousUndecided => 'k',
            Key::Previous => 'K',
            Key::Goto => 'g',
            Key::Search => '/',
            Key::Split => 's',
            Key::Edit => 'e',
            Key::Print => 'p',
            Key::Pager => 'P',
            Key::Undo => 'u',
            Key::Help => '?',
        }
    }

    pub fn from_char(c: char) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.char() == c)
    }

    /// The line of help for this key.
    pub fn help(self) -> &'static str {
        match self {
            Key::Yes => "apply this hunk",
            Key::No => "do not apply this hunk",
            Key::Quit => "quit; keep the hunks accepted so far, do not apply this one or any remaining",
            Key::All => "apply this hunk and all later undecided hunks in the file",
            Key::Done => "do not apply this hunk or any later undecided hunk in the file",
            Key::NextUndecided => "leave this hunk undecided, see the next undecided hunk",
            Key::Next => "leave this hunk undecided, see the next hunk",
            Key::PreviousUndecided => "leave this hunk undecided, see the previous undecided hunk",
            Key::Previous => "leave this hunk undecided, see the previous hunk",
            Key::Goto => "select a hunk to go to",
            Key::Search => "search for a hunk matching the given regex",
            Key::Split => "split this hunk into one hunk per fix",
            Key::Edit => "edit this hunk in $VISUAL / $EDITOR (checked again after editing)",
            Key::Print => "print the current hunk again",
            Key::Pager => "print the current hunk using the pager ($PAGER, else less)",
            Key::Undo => "undo the previous answer in this file (y, n, a, d, e or s)",
            Key::Help => "print help",
        }
    }
}

/// What was decided for a hunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Skip,
}

#[derive(Clone, Debug)]
struct Snapshot<T> {
    hunks: Vec<T>,
    decisions: Vec<Option<Decision>>,
    cursor: usize,
}

/// The hunks of one file and what was decided for each.
#[derive(Clone, Debug)]
pub struct Review<T> {
    hunks: Vec<T>,
    decisions: Vec<Option<Decision>>,
    cursor: usize,
    history: Vec<Snapshot<T>>,
}

impl<T: Clone> Review<T> {
    pub fn new(hunks: Vec<T>) -> Review<T> {
        let decisions = vec![None; hunks.len()];
        Review {
            hunks,
            decisions,
            cursor: 0,
            history: Vec::new(),
        }
    }

    pub fn hunks(&self) -> &[T] {
        &self.hunks
    }

    pub fn decisions(&self) -> &[Option<Decision>] {
        &self.decisions
    }

    /// The index of the hunk being asked about.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn current(&self) -> &T {
        &self.hunks[self.cursor]
    }

    /// What was decided for the current hunk (set when it is revisited).
    pub fn current_decision(&self) -> Option<Decision> {
        self.decisions[self.cursor]
    }

    /// Every hunk has a decision.
    pub fn is_done(&self) -> bool {
        self.decisions.iter().all(Option::is_some)
    }

    /// The hunks accepted so far, in order.
    pub fn accepted(&self) -> impl Iterator<Item = &T> {
        self.with(Some(Decision::Accept))
    }

    /// The hunks skipped so far, in order.
    pub fn skipped(&self) -> impl Iterator<Item = &T> {
        self.with(Some(Decision::Skip))
    }

    /// The hunks not decided yet, in order.
    pub fn undecided(&self) -> impl Iterator<Item = &T> {
        self.with(None)
    }

    fn with(&self, decision: Option<Decision>) -> impl Iterator<Item = &T> {
        self.hunks
            .iter()
            .zip(&self.decisions)
            .filter(move |(_, d)| **d == decision)
            .map(|(h, _)| h)
    }

    /// The hunks that would be accepted if the current one were, and (with
    /// `rest`) every later undecided one too: what the session validates
    /// before calling [`Review::decide`].
    pub fn accepted_with_current(&self) -> Vec<&T> {
        self.hunks
            .iter()
            .enumerate()
            .filter(|(i, _)| *i == self.cursor || self.decisions[*i] == Some(Decision::Accept))
            .map(|(_, h)| h)
            .collect()
    }

    /// Indices of the current hunk and the later undecided ones: what `a`
    /// and `d` decide.
    pub fn rest(&self) -> Vec<usize> {
        (self.cursor..self.hunks.len())
            .filter(|i| *i == self.cursor || self.decisions[*i].is_none())
            .collect()
    }

    fn next_undecided(&self) -> Option<usize> {
        (self.cursor + 1..self.hunks.len()).find(|i| self.decisions[*i].is_none())
    }

    fn previous_undecided(&self) -> Option<usize> {
        (0..self.cursor).rev().find(|i| self.decisions[*i].is_none())
    }

    /// The keys that apply to the current hunk, in prompt order.
    pub fn keys(&self, can_split: bool) -> Vec<Key> {
        Key::ALL
            .into_iter()
            .filter(|key| match key {
                Key::NextUndecided => self.next_undecided().is_some(),
                Key::Next => self.cursor + 1 < self.hunks.len(),
                Key::PreviousUndecided => self.previous_undecided().is_some(),
                Key::Previous => self.cursor > 0,
                Key::Goto | Key::Search => self.hunks.len() > 1,
                Key::Split => can_split,
                Key::Undo => !self.history.is_empty(),
                _ => true,
            })
            .collect()
    }

    fn save(&mut self) {
        self.history.push(Snapshot {
            hunks: self.hunks.clone(),
            decisions: self.decisions.clone(),
            cursor: self.cursor,
        });
    }

    /// After a decision: the next undecided hunk after the cursor, else the
    /// first undecided one; stays put when all are decided.
    fn advance(&mut self) {
        if let Some(next) = self
            .next_undecided()
            .or_else(|| self.decisions.iter().position(Option::is_none))
        {
            self.cursor = next;
        }
    }

    /// Decide the current hunk and move on.
    pub fn decide(&mut self, decision: Decision) {
        self.save();
        self.decisions[self.cursor] = Some(decision);
        self.advance();
    }

    /// Decide the hunks at `indices` (one undoable step) and move on.
    pub fn decide_many(&mut self, indices: &[usize], decision: Decision) {
        if indices.is_empty() {
            return;
        }
        self.save();
        for &i in indices {
            self.decisions[i] = Some(decision);
        }
        self.advance();
    }

    /// Replace the current hunk by `edited` and accept it (one undoable step).
    pub fn replace_and_accept(&mut self, edited: T) {
        self.save();
        self.hunks[self.cursor] = edited;
        self.decisions[self.cursor] = Some(Decision::Accept);
        self.advance();
    }

    /// Replace the current hunk by `parts`, undecided, the cursor on the
    /// first (one undoable step).
    pub fn split(&mut self, parts: Vec<T>) {
        if parts.is_empty() {
            return;
        }
        self.save();
        let n = parts.len();
        self.hunks.splice(self.cursor..=self.cursor, parts);
        self.decisions
            .splice(self.cursor..=self.cursor, std::iter::repeat_n(None, n));
    }

    /// `j`, `J`, `k`, `K`: move the cursor; `Err` says why not.
    pub fn go(&mut self, key: Key) -> Result<(), &'static str> {
        let target = match key {
            Key::NextUndecided => self.next_undecided().ok_or("No next undecided hunk"),
            Key::Next => (self.cursor + 1 < self.hunks.len())
                .then_some(self.cursor + 1)
                .ok_or("No next hunk"),
            Key::PreviousUndecided => self.previous_undecided().ok_or("No previous undecided hunk"),
            Key::Previous => self.cursor.checked_sub(1).ok_or("No previous hunk"),
            _ => Err("not a movement"),
        }?;
        self.cursor = target;
        Ok(())
    }

    /// `g`, `/`: put the cursor on hunk `index` (0-based).
    pub fn go_to(&mut self, index: usize) -> Result<(), String> {
        if index >= self.hunks.len() {
            return Err(format!("Sorry, only {} hunks available.", self.hunks.len()));
        }
        self.cursor = index;
        Ok(())
    }

    /// Undo the last decision, edit or split of this file.
    pub fn undo(&mut self) -> Result<(), &'static str> {
        let snapshot = self
            .history
            .pop()
            .ok_or("Nothing to undo in this file (files already finished are written)")?;
        self.hunks = snapshot.hunks;
        self.decisions = snapshot.decisions;
        self.cursor = snapshot.cursor;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Accept, Skip};

    fn keys(review: &Review<&str>) -> String {
        review.keys(false).iter().map(|k| k.char()).collect()
    }

    #[test]
    fn keys_round_trip_and_are_distinct() {
        for key in Key::ALL {
            assert_eq!(Key::from_char(key.char()), Some(key));
        }
        assert_eq!(Key::from_char('x'), None);
        assert_eq!(Key::from_char('\n'), None);
    }

    #[test]
    fn yes_and_no_advance_and_finish() {
        let mut r = Review::new(vec!["a", "b", "c"]);
        assert_eq!(keys(&r), "ynqadjJg/epP?");
        r.decide(Accept);
        assert_eq!(r.cursor(), 1);
        assert_eq!(keys(&r), "ynqadjJKg/epPu?");
        r.decide(Skip);
        assert_eq!(r.cursor(), 2);
        assert!(!r.is_done());
        r.decide(Accept);
        assert!(r.is_done());
        assert_eq!(r.accepted().copied().collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(r.skipped().copied().collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn a_decision_at_the_end_wraps_to_the_first_undecided() {
        let mut r = Review::new(vec!["a", "b", "c"]);
        r.go(Key::NextUndecided).unwrap();
        r.go(Key::Next).unwrap();
        assert_eq!(r.cursor(), 2);
        r.decide(Accept);
        assert_eq!(r.cursor(), 0, "back to the first undecided hunk");
        r.decide(Skip);
        assert_eq!(r.cursor(), 1);
    }

    #[test]
    fn movement_keys_are_offered_only_when_they_can_move() {
        let mut r = Review::new(vec!["a", "b", "c"]);
        assert_eq!(r.go(Key::Previous), Err("No previous hunk"));
        assert_eq!(r.go(Key::PreviousUndecided), Err("No previous undecided hunk"));
        r.decide(Accept);
        r.decide(Accept);
        assert_eq!(r.cursor(), 2);
        // Previous hunks are decided: K yes, k no; nothing after: no j, J.
        assert_eq!(keys(&r), "ynqadKg/epPu?");
        assert_eq!(r.go(Key::NextUndecided), Err("No next undecided hunk"));
        assert_eq!(r.go(Key::Next), Err("No next hunk"));
        r.go(Key::Previous).unwrap();
        assert_eq!(r.cursor(), 1);
        assert_eq!(r.current_decision(), Some(Accept));
        // From a decided hunk, j reaches the undecided one after it.
        assert_eq!(keys(&r), "ynqadjJKg/epPu?");
        r.go(Key::Previous).unwrap();
        // Re-deciding a decided hunk changes it and moves to the undecided one.
        r.decide(Skip);
        assert_eq!(r.decisions(), &[Some(Skip), Some(Accept), None]);
        assert_eq!(r.cursor(), 2);
        r.go(Key::PreviousUndecided).unwrap_err();
    }

    #[test]
    fn go_to_a_hunk_by_index_and_g_only_with_several_hunks() {
        let mut r = Review::new(vec!["a", "b", "c"]);
        r.go_to(2).unwrap();
        assert_eq!(r.current(), &"c");
        assert_eq!(r.go_to(3), Err("Sorry, only 3 hunks available.".to_string()));
        assert_eq!(r.cursor(), 2);
        let single = Review::new(vec!["a"]);
        assert_eq!(keys(&single), "ynqadepP?");
    }

    #[test]
    fn j_and_k_skip_decided_hunks() {
        let mut r = Review::new(vec!["a", "b", "c", "d"]);
        r.go(Key::Next).unwrap();
        r.decide(Accept); // b
        assert_eq!(r.cursor(), 2);
        r.go(Key::PreviousUndecided).unwrap();
        assert_eq!(r.cursor(), 0);
        r.go(Key::NextUndecided).unwrap();
        assert_eq!(r.cursor(), 2, "j jumps over the decided b");
    }

    #[test]
    fn all_and_done_decide_the_rest_but_not_earlier_undecided_hunks() {
        let mut r = Review::new(vec!["a", "b", "c", "d"]);
        r.go(Key::Next).unwrap();
        r.go(Key::Next).unwrap();
        // c is decided before the bulk answer reaches it, and keeps it.
        r.decide(Skip);
        r.go(Key::Previous).unwrap();
        r.go(Key::Previous).unwrap();
        assert_eq!(r.cursor(), 1);
        assert_eq!(r.rest(), vec![1, 3]);
        r.decide_many(&r.rest(), Accept);
        assert_eq!(r.decisions(), &[None, Some(Accept), Some(Skip), Some(Accept)]);
        assert_eq!(r.cursor(), 0, "a wraps to the earlier undecided hunk");
        r.decide_many(&r.rest(), Skip);
        assert!(r.is_done());
        assert_eq!(r.decisions()[0], Some(Skip));
        assert_eq!(r.decisions()[3], Some(Accept), "d decides only undecided later hunks");
    }

    #[test]
    fn undo_restores_decisions_cursor_and_splits() {
        let mut r = Review::new(vec!["ab", "c"]);
        assert_eq!(
            r.undo(),
            Err("Nothing to undo in this file (files already finished are written)")
        );
        r.split(vec!["a", "b"]);
        assert_eq!(r.hunks(), &["a", "b", "c"]);
        assert_eq!(r.cursor(), 0);
        r.decide(Accept);
        r.decide(Skip);
        assert_eq!(r.cursor(), 2);
        r.undo().unwrap();
        assert_eq!(r.cursor(), 1);
        assert_eq!(r.decisions(), &[Some(Accept), None, None]);
        r.undo().unwrap();
        assert_eq!(r.cursor(), 0);
        assert_eq!(r.decisions(), &[None, None, None]);
        r.undo().unwrap();
        assert_eq!(r.hunks(), &["ab", "c"], "the split is undone last");
        assert!(r.undo().is_err());
    }

    #[test]
    fn undo_of_a_bulk_answer_is_one_step() {
        let mut r = Review::new(vec!["a", "b", "c"]);
        r.decide(Skip);
        r.decide_many(&r.rest(), Accept);
        assert!(r.is_done());
        r.undo().unwrap();
        assert_eq!(r.decisions(), &[Some(Skip), None, None]);
        assert_eq!(r.cursor(), 1);
    }

    #[test]
    fn replace_and_accept_is_undoable() {
        let mut r = Review::new(vec!["a", "b"]);
        r.replace_and_accept("A");
        assert_eq!(r.hunks(), &["A", "b"]);
        assert_eq!(r.accepted().copied().collect::<Vec<_>>(), ["A"]);
        r.undo().unwrap();
        assert_eq!(r.hunks(), &["a", "b"]);
        assert_eq!(r.decisions(), &[None, None]);
    }

    #[test]
    fn split_keys_and_validation_view() {
        let mut r = Review::new(vec!["a", "b"]);
        assert!(r.keys(true).contains(&Key::Split));
        assert!(!r.keys(false).contains(&Key::Split));
        r.go(Key::Next).unwrap();
        assert_eq!(r.accepted_with_current(), vec![&"b"]);
        r.decide(Accept);
        assert_eq!(r.accepted_with_current(), vec![&"a", &"b"]);
    }
}
