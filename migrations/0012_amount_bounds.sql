-- Amounts: every figure the API shows is a JSON number, exact only within ±(2^53 − 1). The ledger refuses a
-- write that would take an account past that (422 ledger.amount_out_of_range); these constraints are the last
-- line behind it for cached member balances and counters, postings, transactions and lots. NOT VALID: rows
-- written before this migration are not re-checked here (`patron verify` reports any out-of-range account).
alter table accounts add constraint accounts_amounts_in_range check (
  balance between -9007199254740991 and 9007199254740991
  and held between -9007199254740991 and 9007199254740991
  and earned between -9007199254740991 and 9007199254740991
  and reversed between -9007199254740991 and 9007199254740991
  and spent between -9007199254740991 and 9007199254740991
  and expired between -9007199254740991 and 9007199254740991
) not valid;

alter table postings add constraint postings_amount_in_range
  check (amount between -9007199254740991 and 9007199254740991) not valid;

alter table transactions add constraint transactions_amount_in_range
  check (amount between 0 and 9007199254740991) not valid;

alter table lots add constraint lots_amount_in_range
  check (amount between 0 and 9007199254740991) not valid;
