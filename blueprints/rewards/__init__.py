"""The reward ledger (奖金台账) shared by every domain that pays rewards: suggestion awards and hazard-report rewards
(SPEC §11: one ledger, whose lines say what they pay for). A bottom-layer package with no pages of its own; the
union's ledger page (/suggestions/rewards) lists, exports and marks paid lines of every kind."""
