/**
 * The actor recorded (as app.user_id) when the platform itself, not a person, acts in the
 * staff scope: the account-headroom monitor raising alerts, the anomaly job. The nil UUID
 * is never a user's id (users get gen_random_uuid()).
 */
export const SYSTEM_ACTOR_ID = "00000000-0000-0000-0000-000000000000";
