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
	// MsgTruncated is the message of a job whose search results ended
	// before the end of the file (the search failed mid-way).
	MsgTruncated = "the search results ended before the last record"
	// MsgEndpointNotAllowed answers (403) an export_to_s3 naming an
	// s3.endpoint its caller may not use: only a super user may name one
	// outside families.export.s3.allowedEndpoints.
	MsgEndpointNotAllowed = "s3.endpoint is not allowed: only a super user may name an S3 endpoint other than AWS or one of families.export.s3.allowedEndpoints"
)
