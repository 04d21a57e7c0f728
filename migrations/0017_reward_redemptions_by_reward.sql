-- The console lists a reward's redemptions newest first; without this index that list reads every redemption
-- of the program.
create index reward_redemptions_reward on reward_redemptions (program_id, reward_id, id);
