-- The schema of the current MySQL or MariaDB database as rows of (kind, name, table,
-- attribute, value), for `migrate_core::snapshot`, from `information_schema`. The first row
-- names the database, which the server writes into view definitions. The CHECK constraint part
-- differs between MariaDB and MySQL: mysql.rs appends the server's own after the last line.
SELECT CAST('database' AS CHAR), CAST(DATABASE() AS CHAR), CAST(NULL AS CHAR), CAST('' AS CHAR), CAST('' AS CHAR)
UNION ALL
SELECT 'table', TABLE_NAME, TABLE_NAME, 'exists', IF(TABLE_TYPE = 'BASE TABLE', '', LOWER(TABLE_TYPE))
FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE <> 'VIEW'
UNION ALL
SELECT 'table', TABLE_NAME, TABLE_NAME, 'engine', ENGINE
FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE <> 'VIEW' AND ENGINE IS NOT NULL
UNION ALL
SELECT 'table', TABLE_NAME, TABLE_NAME, 'collation', TABLE_COLLATION
FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE <> 'VIEW' AND TABLE_COLLATION IS NOT NULL
UNION ALL
SELECT 'table', TABLE_NAME, TABLE_NAME, 'comment', TABLE_COMMENT
FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE <> 'VIEW' AND TABLE_COMMENT <> ''
UNION ALL
SELECT 'column', CONCAT(c.TABLE_NAME, '.', c.COLUMN_NAME), c.TABLE_NAME, a.attr,
       CASE a.attr WHEN 'type' THEN c.COLUMN_TYPE
                   WHEN 'not null' THEN IF(c.IS_NULLABLE = 'NO', 'not null', NULL)
                   WHEN 'default' THEN IF(c.GENERATION_EXPRESSION IS NULL OR c.GENERATION_EXPRESSION = '', NULLIF(c.COLUMN_DEFAULT, 'NULL'), NULL)
                   WHEN 'generated' THEN NULLIF(c.GENERATION_EXPRESSION, '')
                   WHEN 'extra' THEN NULLIF(TRIM(REPLACE(c.EXTRA, 'DEFAULT_GENERATED', '')), '')
                   WHEN 'collation' THEN c.COLLATION_NAME
                   WHEN 'comment' THEN NULLIF(c.COLUMN_COMMENT, '') END
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME AND t.TABLE_TYPE <> 'VIEW'
CROSS JOIN (SELECT 'type' AS attr UNION ALL SELECT 'not null' UNION ALL SELECT 'default' UNION ALL SELECT 'generated'
            UNION ALL SELECT 'extra' UNION ALL SELECT 'collation' UNION ALL SELECT 'comment') a
WHERE c.TABLE_SCHEMA = DATABASE()
UNION ALL
SELECT 'index', CONCAT(TABLE_NAME, '.', INDEX_NAME), TABLE_NAME, 'definition',
       CONCAT(IF(MAX(NON_UNIQUE) = 0, 'UNIQUE ', ''), MAX(INDEX_TYPE), ' (',
              GROUP_CONCAT(CONCAT(COALESCE(COLUMN_NAME, '(expression)'),
                                  IF(SUB_PART IS NULL, '', CONCAT('(', SUB_PART, ')')),
                                  IF(COLLATION = 'D', ' DESC', ''))
                           ORDER BY SEQ_IN_INDEX SEPARATOR ', '), ')')
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
GROUP BY TABLE_NAME, INDEX_NAME
UNION ALL
SELECT 'foreign key', CONCAT(k.TABLE_NAME, '.', k.CONSTRAINT_NAME), k.TABLE_NAME, 'definition',
       CONCAT('(', GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', '), ') REFERENCES ',
              MAX(k.REFERENCED_TABLE_NAME), ' (',
              GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', '),
              ') ON DELETE ', MAX(r.DELETE_RULE), ' ON UPDATE ', MAX(r.UPDATE_RULE))
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.REFERENTIAL_CONSTRAINTS r
  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
GROUP BY k.TABLE_NAME, k.CONSTRAINT_NAME
UNION ALL
SELECT 'view', TABLE_NAME, TABLE_NAME, 'definition',
       CONCAT(VIEW_DEFINITION, IF(CHECK_OPTION = 'NONE', '', CONCAT(' WITH ', CHECK_OPTION, ' CHECK OPTION')),
              IF(SECURITY_TYPE = 'DEFINER', '', CONCAT(' SQL SECURITY ', SECURITY_TYPE)))
FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()
UNION ALL
SELECT 'trigger', CONCAT(EVENT_OBJECT_TABLE, '.', TRIGGER_NAME), EVENT_OBJECT_TABLE, 'definition',
       CONCAT(ACTION_TIMING, ' ', EVENT_MANIPULATION, ' FOR EACH ', ACTION_ORIENTATION, ' ', ACTION_STATEMENT)
FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
UNION ALL
SELECT LOWER(r.ROUTINE_TYPE), r.ROUTINE_NAME, NULL, 'definition',
       CONCAT('(', COALESCE((SELECT GROUP_CONCAT(CONCAT_WS(' ', p.PARAMETER_MODE, p.PARAMETER_NAME, p.DTD_IDENTIFIER)
                                                 ORDER BY p.ORDINAL_POSITION SEPARATOR ', ')
                             FROM information_schema.PARAMETERS p
                             WHERE p.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA AND p.SPECIFIC_NAME = r.SPECIFIC_NAME
                               AND p.ROUTINE_TYPE = r.ROUTINE_TYPE AND p.ORDINAL_POSITION > 0), ''), ')',
              IF(r.ROUTINE_TYPE = 'FUNCTION', CONCAT(' RETURNS ', r.DTD_IDENTIFIER), ''),
              IF(r.IS_DETERMINISTIC = 'YES', ' DETERMINISTIC', ''), ' ', r.SQL_DATA_ACCESS,
              IF(r.SECURITY_TYPE = 'DEFINER', '', CONCAT(' SQL SECURITY ', r.SECURITY_TYPE)),
              ' ', r.ROUTINE_DEFINITION)
FROM information_schema.ROUTINES r WHERE r.ROUTINE_SCHEMA = DATABASE()
UNION ALL
