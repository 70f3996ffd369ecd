-- migrate:up
CREATE TABLE IF NOT EXISTS tasks (
    tenant_id BIGINT NOT NULL,
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    project_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id)
);

CREATE INDEX IF NOT EXISTS tasks_tenant_project ON tasks (tenant_id, project_id);

-- migrate:down
DROP TABLE IF EXISTS tasks;
