-- migrate:up
CREATE TABLE IF NOT EXISTS orders (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    total_cents BIGINT NOT NULL CHECK (total_cents >= 0)
);

-- migrate:down
DROP TABLE IF EXISTS orders;
