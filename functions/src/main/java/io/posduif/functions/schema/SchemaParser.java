package io.posduif.functions.schema;

import io.micronaut.json.JsonMapper;
import io.posduif.functions.db.PgText;
import io.posduif.functions.db.Sql;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and validates a tenant schema file (docs/schema-format.md).
 *
 * <p>Works on SnakeYAML's node tree rather than on constructed Java objects so that every error
 * can name the line it comes from, duplicate keys are caught (a plain map would silently keep
 * the last one) and nothing in the file can instantiate classes. All errors of a file are
 * collected, so that an operator fixes a file in one round trip.
 */
public final class SchemaParser {

    /** Prefix of the engine's own tables, columns and indexes in a tenant schema. */
    public static final String ENGINE_PREFIX = "posduif_";
    /** The timestamp default that means "the time of the insert". */
    public static final String NOW = "now";
    private static final int MAX_SOURCE_CHARS = 1_000_000;
    private static final JsonMapper JSON = JsonMapper.createDefault();

    private static final Set<String> TOP_KEYS = Set.of("tables");
    private static final Set<String> TABLE_KEYS = Set.of("sync", "conflict", "filter", "device_writable", "columns", "indexes");
    private static final Set<String> COLUMN_KEYS = Set.of("type", "primary_key", "nullable", "default", "server_owned");
    private static final Set<String> INDEX_KEYS = Set.of("name", "columns", "unique");

    private final String file;
    private final List<SchemaError> errors = new ArrayList<>();

    private SchemaParser(String file) {
        this.file = file;
    }

    /**
     * Parses and validates {@code source}.
     *
     * @param file the name errors are reported against (e.g. {@code demo.yaml})
     * @throws SchemaInvalidException listing every problem found
     */
    public static SchemaDefinition parse(String file, String source) {
        SchemaParser p = new SchemaParser(file);
        List<TableDef> tables = p.run(source);
        if (!p.errors.isEmpty()) {
            throw new SchemaInvalidException(p.errors);
        }
        return new SchemaDefinition(tables, checksum(tables), source);
    }

    private List<TableDef> run(String source) {
        if (source == null || source.isBlank()) {
            error(1, "", "the file is empty; it must contain a 'tables:' map");
            return List.of();
        }
        if (source.length() > MAX_SOURCE_CHARS) {
            error(1, "", "the file is larger than " + MAX_SOURCE_CHARS + " characters");
            return List.of();
        }
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(5);
            options.setNestingDepthLimit(20);
            options.setCodePointLimit(MAX_SOURCE_CHARS * 2);
            options.setAllowDuplicateKeys(true); // we report duplicates ourselves, with their line
            root = new Yaml(options).compose(new StringReader(source));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            error(m == null ? 1 : m.getLine() + 1, "", "not valid YAML: " + (e.getProblem() != null ? e.getProblem() : e.getMessage()));
            return List.of();
        } catch (YAMLException e) {
            error(1, "", "not valid YAML: " + e.getMessage());
            return List.of();
        }
        if (root == null) {
            error(1, "", "the file is empty; it must contain a 'tables:' map");
            return List.of();
        }
        Map<String, NodeTuple> top = mapping(root, "");
        if (top == null) {
            return List.of();
        }
        unknownKeys(top, TOP_KEYS, "");
        NodeTuple tablesTuple = top.get("tables");
        if (tablesTuple == null) {
            error(line(root), "tables", "missing; the file must contain a 'tables:' map");
            return List.of();
        }
        Map<String, NodeTuple> tables = mapping(tablesTuple.getValueNode(), "tables");
        if (tables == null) {
            return List.of();
        }
        if (tables.isEmpty()) {
            error(line(tablesTuple.getValueNode()), "tables", "declares no tables");
        }
        List<TableDef> out = new ArrayList<>();
        Map<String, String> relationNames = new HashMap<>();
        for (Map.Entry<String, NodeTuple> e : tables.entrySet()) {
            String name = e.getKey();
            String field = "tables." + name;
            Node keyNode = e.getValue().getKeyNode();
            if (identifier(name, keyNode, field, "table name")) {
                relationNames.put(name, field);
            }
            TableDef t = table(name, e.getValue().getValueNode(), field);
            if (t != null) {
                out.add(t);
            }
        }
        // PostgreSQL keeps tables and indexes in one namespace per schema
        for (TableDef t : out) {
            for (IndexDef i : t.indexes()) {
                String field = "tables." + t.name() + ".indexes." + i.name();
                if (relationNames.containsKey(i.name())) {
                    error(indexLines.getOrDefault(field, 1), field, "index name '" + i.name() + "' is already used by "
                            + relationNames.get(i.name()) + " (tables and indexes share one namespace)");
                } else {
                    relationNames.put(i.name(), field);
                }
            }
        }
        return out;
    }

    private final Map<String, Integer> indexLines = new HashMap<>();

    private TableDef table(String name, Node node, String field) {
        Map<String, NodeTuple> m = mapping(node, field);
        if (m == null) {
            return null;
        }
        int errorsBefore = errors.size();
        unknownKeys(m, TABLE_KEYS, field);

        SyncMode sync = null;
        NodeTuple syncT = m.get("sync");
        if (syncT == null) {
            error(line(node), field + ".sync", "missing; one of mobile-synced, mobile-only, web-only");
        } else {
            String s = scalar(syncT.getValueNode(), field + ".sync");
            if (s != null) {
                sync = SyncMode.fromWireName(s).orElse(null);
                if (sync == null) {
                    error(line(syncT.getValueNode()), field + ".sync", "unknown sync mode '" + s + "'; one of mobile-synced, mobile-only, web-only");
                }
            }
        }
        boolean synced = sync == SyncMode.MOBILE_SYNCED;

        ConflictPolicy conflict = ConflictPolicy.LWW;
        NodeTuple conflictT = m.get("conflict");
        if (conflictT != null) {
            String s = scalar(conflictT.getValueNode(), field + ".conflict");
            if (s != null) {
                ConflictPolicy p = ConflictPolicy.fromWireName(s).orElse(null);
                if (p == null) {
                    error(line(conflictT.getValueNode()), field + ".conflict", "unknown conflict policy '" + s + "'; one of lww, field-lww, server-wins, manual");
                } else {
                    conflict = p;
                }
            }
            if (sync != null && !synced) {
                error(line(conflictT.getKeyNode()), field + ".conflict", "only mobile-synced tables have conflicts; this table is " + sync.wireName());
            }
        }

        boolean deviceWritable = true;
        NodeTuple dwT = m.get("device_writable");
        if (dwT != null) {
            Boolean b = bool(dwT.getValueNode(), field + ".device_writable");
            if (b != null) {
                deviceWritable = b;
            }
            if (sync != null && !synced) {
                error(line(dwT.getKeyNode()), field + ".device_writable", "applies only to mobile-synced tables; this table is " + sync.wireName());
            }
        }

        List<ColumnDef> columns = new ArrayList<>();
        Map<String, Integer> columnLines = new LinkedHashMap<>();
        NodeTuple colsT = m.get("columns");
        if (colsT == null) {
            error(line(node), field + ".columns", "missing; a table needs at least one column");
        } else {
            Map<String, NodeTuple> cols = mapping(colsT.getValueNode(), field + ".columns");
            if (cols != null) {
                if (cols.isEmpty()) {
                    error(line(colsT.getValueNode()), field + ".columns", "declares no columns");
                }
                for (Map.Entry<String, NodeTuple> c : cols.entrySet()) {
                    ColumnDef cd = column(c.getKey(), c.getValue(), field + ".columns." + c.getKey(), sync);
                    if (cd != null) {
                        columns.add(cd);
                        columnLines.put(cd.name(), line(c.getValue().getKeyNode()));
                    }
                }
            }
        }
        List<String> pk = columns.stream().filter(ColumnDef::primaryKey).map(ColumnDef::name).toList();
        if (pk.isEmpty() && sync != null && sync != SyncMode.MOBILE_ONLY && colsT != null) {
            error(line(colsT.getKeyNode()), field + ".columns", synced
                    ? "a mobile-synced table needs a primary key (mark a column with primary_key: true)"
                    : "a table needs a primary key (mark a column with primary_key: true)");
        }

        Map<String, ColumnType> types = new LinkedHashMap<>();
        for (ColumnDef c : columns) {
            types.put(c.name(), c.type());
        }

        SyncFilter filter = null;
        NodeTuple filterT = m.get("filter");
        if (filterT != null) {
            if (sync != null && !synced) {
                error(line(filterT.getKeyNode()), field + ".filter", "only mobile-synced tables are filtered; this table is " + sync.wireName());
            }
            String s = scalar(filterT.getValueNode(), field + ".filter");
            if (s != null) {
                try {
                    filter = BucketFilter.compile(name, s, types);
                } catch (FilterParser.FilterException e) {
                    error(line(filterT.getValueNode()), field + ".filter", e.getMessage());
                }
            }
        }

        List<IndexDef> indexes = new ArrayList<>();
        NodeTuple idxT = m.get("indexes");
        if (idxT != null) {
            if (idxT.getValueNode() instanceof SequenceNode seq) {
                Set<String> seen = new HashSet<>();
                int n = 0;
                for (Node in : seq.getValue()) {
                    IndexDef idx = index(in, field + ".indexes[" + n++ + "]", types, field);
                    if (idx != null) {
                        if (!seen.add(idx.name())) {
                            error(line(in), field + ".indexes." + idx.name(), "duplicate index name '" + idx.name() + "'");
                        } else {
                            indexes.add(idx);
                        }
                    }
                }
            } else if (!isNull(idxT.getValueNode())) {
                error(line(idxT.getValueNode()), field + ".indexes", "must be a list of {name, columns, unique}");
            }
        }
        if (errors.size() > errorsBefore || sync == null) {
            return null;
        }
        return new TableDef(name, sync, conflict, filter, columns, pk, indexes, deviceWritable);
    }

    private ColumnDef column(String name, NodeTuple t, String field, SyncMode sync) {
        identifier(name, t.getKeyNode(), field, "column name");
        Map<String, NodeTuple> m = mapping(t.getValueNode(), field);
        if (m == null) {
            return null;
        }
        int errorsBefore = errors.size();
        unknownKeys(m, COLUMN_KEYS, field);
        ColumnType type = null;
        NodeTuple typeT = m.get("type");
        if (typeT == null) {
            error(line(t.getKeyNode()), field + ".type", "missing; one of text, integer, real, boolean, uuid, timestamp, date, json, blob");
        } else {
            String s = scalar(typeT.getValueNode(), field + ".type");
            if (s != null) {
                type = ColumnType.fromWireName(s).orElse(null);
                if (type == null) {
                    error(line(typeT.getValueNode()), field + ".type", "unknown type '" + s
                            + "'; one of text, integer, real, boolean, uuid, timestamp, date, json, blob");
                }
            }
        }
        boolean pk = flag(m, "primary_key", field, false);
        NodeTuple nullableT = m.get("nullable");
        boolean nullable = flag(m, "nullable", field, !pk);
        if (pk && nullable && nullableT != null) {
            error(line(nullableT.getValueNode()), field + ".nullable", "a primary key column cannot be nullable");
        }
        boolean serverOwned = flag(m, "server_owned", field, false);
        if (serverOwned && sync != null && sync != SyncMode.MOBILE_SYNCED) {
            error(line(m.get("server_owned").getKeyNode()), field + ".server_owned", "applies only to mobile-synced tables");
        }
        if (pk && type != null && (type == ColumnType.JSON || type == ColumnType.BLOB || type == ColumnType.REAL)) {
            error(line(m.get("primary_key").getValueNode()), field + ".primary_key", "a " + type.wireName() + " column cannot be a primary key");
        }
        String def = null;
        NodeTuple defT = m.get("default");
        if (defT != null && !isNull(defT.getValueNode())) {
            String raw = scalar(defT.getValueNode(), field + ".default");
            if (raw != null && type != null) {
                def = defaultValue(type, raw, line(defT.getValueNode()), field + ".default");
            }
        }
        if (errors.size() > errorsBefore || type == null) {
            return null;
        }
        return new ColumnDef(name, type, nullable, def, pk, serverOwned);
    }

    /** Validates a default and returns its canonical form, or null after reporting an error. */
    private String defaultValue(ColumnType type, String raw, int line, String field) {
        String bad = "default " + quote(raw) + " is not a valid " + type.wireName();
        switch (type) {
            case TEXT:
                return raw;
            case INTEGER:
                try {
                    return Long.toString(Long.parseLong(raw.trim()));
                } catch (NumberFormatException e) {
                    break;
                }
            case REAL:
                try {
                    double d = Double.parseDouble(raw.trim());
                    if (Double.isFinite(d) && raw.trim().matches("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?")) {
                        return new BigDecimal(raw.trim()).toString();
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
                break;
            case BOOLEAN:
                if (raw.equals("true") || raw.equals("false")) {
                    return raw;
                }
                bad += " (use true or false)";
                break;
            case UUID:
                String u = BucketFilter.canonical(ColumnType.UUID, raw.trim());
                if (u != null) {
                    return u;
                }
                break;
            case TIMESTAMP:
                if (raw.trim().equals(NOW)) {
                    return NOW;
                }
                try {
                    return ColumnType.WIRE_TIMESTAMP.format(ColumnType.parseInstant(raw.trim()));
                } catch (IllegalArgumentException e) {
                    bad += " (use an ISO-8601 timestamp or 'now')";
                    break;
                }
            case DATE:
                try {
                    return LocalDate.parse(raw.trim()).toString();
                } catch (DateTimeParseException e) {
                    bad += " (use YYYY-MM-DD)";
                    break;
                }
            case JSON:
                try {
                    Object v = JSON.readValue(raw, Object.class);
                    if (PgText.containsNul(v)) {
                        bad = "default " + quote(raw) + ": its strings " + PgText.NUL_REFUSED;
                        break;
                    }
                    return JSON.writeValueAsString(v);
                } catch (IOException | RuntimeException e) {
                    break;
                }
            case BLOB:
                bad = "blob columns cannot have a default";
                break;
            default:
                break;
        }
        error(line, field, bad);
        return null;
    }

    private IndexDef index(Node node, String field, Map<String, ColumnType> types, String tableField) {
        Map<String, NodeTuple> m = mapping(node, field);
        if (m == null) {
            return null;
        }
        int errorsBefore = errors.size();
        String name = null;
        NodeTuple nameT = m.get("name");
        if (nameT == null) {
            error(line(node), field + ".name", "missing; every index needs a name");
        } else {
            name = scalar(nameT.getValueNode(), field + ".name");
            if (name != null) {
                field = tableField + ".indexes." + name;
                identifier(name, nameT.getValueNode(), field + ".name", "index name");
                indexLines.put(field, line(nameT.getValueNode()));
            }
        }
        unknownKeys(m, INDEX_KEYS, field);
        List<String> cols = new ArrayList<>();
        NodeTuple colsT = m.get("columns");
        if (colsT == null || !(colsT.getValueNode() instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
            error(colsT == null ? line(node) : line(colsT.getValueNode()), field + ".columns", "must be a non-empty list of column names");
        } else {
            for (Node c : seq.getValue()) {
                String col = scalar(c, field + ".columns");
                if (col == null) {
                    continue;
                }
                if (!types.containsKey(col)) {
                    error(line(c), field + ".columns", "unknown column '" + col + "'");
                } else if (cols.contains(col)) {
                    error(line(c), field + ".columns", "column '" + col + "' is listed twice");
                } else {
                    cols.add(col);
                }
            }
        }
        boolean unique = flag(m, "unique", field, false);
        if (errors.size() > errorsBefore || name == null) {
            return null;
        }
        return new IndexDef(name, cols, unique);
    }

    private boolean identifier(String name, Node node, String field, String what) {
        String problem = identifierProblem(name);
        if (problem != null) {
            error(line(node), field, what + " " + problem);
            return false;
        }
        return true;
    }

    /** Why {@code name} cannot be a tenant identifier, or null when it can. */
    static String identifierProblem(String name) {
        String shown = quote(name);
        if (name.isEmpty()) {
            return "must not be empty";
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > 63) {
            return shown + " is longer than 63 bytes";
        }
        if (!name.equals(name.toLowerCase(Locale.ROOT)) && name.toLowerCase(Locale.ROOT).matches("[a-z_][a-z0-9_]*")) {
            return shown + " must be lower case";
        }
        if (!Sql.IDENTIFIER.matcher(name).matches()) {
            return shown + " is not a valid identifier (lower-case ASCII letters, digits and '_', starting with a letter or '_')";
        }
        if (Sql.RESERVED.contains(name)) {
            return shown + " is a reserved word";
        }
        if (name.startsWith(ENGINE_PREFIX)) {
            return shown + " uses the prefix '" + ENGINE_PREFIX + "', which is reserved for the engine";
        }
        return null;
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        for (int k = 0; k < s.length() && k < 80; k++) {
            char c = s.charAt(k);
            b.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.append(s.length() > 80 ? "…'" : "'").toString();
    }

    private boolean flag(Map<String, NodeTuple> m, String key, String field, boolean dflt) {
        NodeTuple t = m.get(key);
        if (t == null) {
            return dflt;
        }
        Boolean b = bool(t.getValueNode(), field + "." + key);
        return b == null ? dflt : b;
    }

    private Boolean bool(Node n, String field) {
        String s = scalar(n, field);
        if (s == null) {
            return null;
        }
        if (s.equals("true")) {
            return true;
        }
        if (s.equals("false")) {
            return false;
        }
        error(line(n), field, "expected true or false, got " + quote(s));
        return null;
    }

    private String scalar(Node n, String field) {
        if (n.getAnchor() != null) {
            error(line(n), field, "YAML anchors and aliases are not supported");
            return null;
        }
        if (n instanceof ScalarNode s && !Tag.NULL.equals(s.getTag())) {
            if (PgText.containsNul(s.getValue())) {
                // "\0", "\x00" or "\u0000" in a quoted scalar: it would end up in DDL or trigger SQL
                error(line(n), field, "the value " + PgText.NUL_REFUSED);
                return null;
            }
            return s.getValue();
        }
        error(line(n), field, isNull(n) ? "a value is required" : "expected a single value, got a " + kind(n));
        return null;
    }

    /** The entries of a mapping node keyed by their (scalar) key; reports non-mappings and duplicate keys. */
    private Map<String, NodeTuple> mapping(Node n, String field) {
        if (!(n instanceof MappingNode mn)) {
            error(line(n), field, "expected a map, got " + (isNull(n) ? "nothing" : "a " + kind(n)));
            return null;
        }
        if (n.getAnchor() != null) {
            error(line(n), field, "YAML anchors and aliases are not supported");
            return null;
        }
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        for (NodeTuple t : mn.getValue()) {
            Node k = t.getKeyNode();
            if (!(k instanceof ScalarNode ks)) {
                error(line(k), field, "keys must be plain names, got a " + kind(k));
                continue;
            }
            String key = ks.getValue();
            if (key.equals("<<")) {
                error(line(k), field, "YAML merge keys are not supported");
                continue;
            }
            if (out.containsKey(key)) {
                error(line(k), field.isEmpty() ? key : field + "." + key, "duplicate key " + quote(key)
                        + " (first defined on line " + line(out.get(key).getKeyNode()) + ")");
                continue;
            }
            out.put(key, t);
        }
        return out;
    }

    private void unknownKeys(Map<String, NodeTuple> m, Set<String> allowed, String field) {
        for (Map.Entry<String, NodeTuple> e : m.entrySet()) {
            if (!allowed.contains(e.getKey())) {
                error(line(e.getValue().getKeyNode()), field.isEmpty() ? e.getKey() : field + "." + e.getKey(),
                        "unknown key " + quote(e.getKey()) + "; allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
        }
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && Tag.NULL.equals(s.getTag());
    }

    private static String kind(Node n) {
        return n instanceof MappingNode ? "map" : n instanceof SequenceNode ? "list" : "value";
    }

    private static int line(Node n) {
        return n.getStartMark() == null ? 1 : n.getStartMark().getLine() + 1;
    }

    private void error(int line, String field, String message) {
        errors.add(new SchemaError(file, line, field, message));
    }

    /**
     * sha256 of a canonical rendering of the model: comments, key order within a column,
     * quoting and whitespace do not change it; anything that changes behaviour does.
     */
    static String checksum(List<TableDef> tables) {
        Map<String, TableDef> sorted = new TreeMap<>();
        for (TableDef t : tables) {
            sorted.put(t.name(), t);
        }
        StringBuilder b = new StringBuilder("posduif-schema/1\n");
        for (TableDef t : sorted.values()) {
            b.append("table ").append(t.name()).append(' ').append(t.sync().wireName()).append(' ')
                    .append(t.conflict().wireName()).append(" writable=").append(t.deviceWritable()).append('\n');
            if (t.filter() instanceof BucketFilter f) {
                b.append(" filter ").append(f.canonicalForm()).append('\n');
            }
            for (ColumnDef c : t.columns()) {
                b.append(" column ").append(c.name()).append(' ').append(c.type().wireName()).append(" pk=").append(c.primaryKey())
                        .append(" null=").append(c.nullable()).append(" server=").append(c.serverOwned())
                        .append(" default=").append(c.defaultValue() == null ? "-" : "'" + c.defaultValue().replace("'", "''") + "'").append('\n');
            }
            t.indexes().stream().sorted(java.util.Comparator.comparing(IndexDef::name)).forEach(i ->
                    b.append(" index ").append(i.name()).append(' ').append(i.columns()).append(" unique=").append(i.unique()).append('\n'));
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
