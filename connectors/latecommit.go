package connectors

// LateCommitter is optional for a Puller whose incremental reads can miss
// a record its department commits late (the sql kind): LateCommitWindow
// says in words, for GET /v1/sources, how late a commit may be and still
// be read ("a transaction committing up to 10m30s after its cursor_column
// value is read ..."), starting with "WARNING:" when nothing protects
// against late commits. The runtime copies it to SourceStatus.
type LateCommitter interface {
	LateCommitWindow() string
}
