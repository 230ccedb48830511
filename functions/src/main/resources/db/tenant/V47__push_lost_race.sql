-- Raised by a push's own statements when what the push assumed turns out wrong: the insert of
-- rows it took for new found one already in its table (it wrote fewer rows than it was given), or
-- the device's op mark moved since the push read it. The statement fails, and with it the
-- transaction; the server redoes the push, reading what is there (PushService.LostRace).
--
-- Why in SQL and not checked by the server on the statement's answer: a push sends COMMIT in the
-- same round trip as its last statements, so there is no later moment at which the server could
-- still roll the transaction back. A failed statement makes PostgreSQL skip the rest of the round
-- trip, that COMMIT included.
CREATE FUNCTION ${flyway:defaultSchema}.posduif_lost_race(what text) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'push lost a race: %', what USING ERRCODE = 'PD001';
END
$$;
