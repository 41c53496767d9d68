package export

// Messages users see, besides the exporter's validation messages
// (exporter.Msg*). Each is pinned by a test.
const (
	// MsgStartingJob is the immediate answer of both operations.
	MsgStartingJob = "Starting job with id %s"
	// MsgNoHost answers (503) when the family runs without a host
	// connection and so can neither search nor keep job records.
	MsgNoHost = "the export family has no host connection"
	// MsgShuttingDown answers (503) an export asked for while the family
	// stops.
	MsgShuttingDown = "the export family is shutting down"
	// MsgSQLNotSelect answers (400) a sql search that is not a SELECT: an
	// export must never run an INSERT, UPDATE or DELETE as a side effect.
	MsgSQLNotSelect = "search_operation.sql must be a SELECT statement"
	// MsgJobStopped is the message of a job stopped by Shutdown.
	MsgJobStopped = "export stopped: the export family shut down before it finished"
	// MsgNotArray is the message of a job whose search answered something
	// other than a JSON array of records.
	MsgNotArray = "the search did not answer a JSON array of records"
	// MsgTruncated is the message of a job whose search results ended
	// before the closing bracket (the search failed mid-way).
	MsgTruncated = "the search results ended before the last record"
)
