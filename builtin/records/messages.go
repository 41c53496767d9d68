package records

// Messages users see that the family itself words (the store's and the SQL
// layer's are in their packages). Those with verbs are fmt formats.
const (
	// MsgShuttingDown refuses a job that would start during Shutdown (503).
	MsgShuttingDown = "records family is shutting down"
	// MsgNotOpen answers any request before Configure opened the store or
	// after Shutdown closed it (503).
	MsgNotOpen = "the records store is not open (the family is starting or stopping)"
	// MsgSQLMissing is HarperDB's 400 for a sql request without sql.
	MsgSQLMissing = "The 'sql' parameter is missing from the request body"
	// MsgRecordsObjects: a records array holding something other than objects.
	MsgRecordsObjects = "'records' must be an array of objects"
	// MsgFieldInvalid: a field whose JSON does not decode to its shape, args
	// the field and the decoder's complaint.
	MsgFieldInvalid = "'%s' is invalid: %v"
	// MsgInteger: a limit or offset that is a number but not a whole one.
	MsgInteger = "'%s' must be an integer"
	// MsgDateFormat: delete_records_before's date is a string but not ISO 8601.
	MsgDateFormat = "'date' must be in ISO 8601 date format"
	// MsgDateInvalid: delete_records_before's date is not a string.
	MsgDateInvalid = "'date' must be a valid date"
	// MsgStartingJob answers a job operation at once, arg the job id.
	MsgStartingJob = "Starting job with id %s"
	// MsgJobProgress is a running delete_records_before's progress message,
	// arg the records deleted so far.
	MsgJobProgress = "%d records deleted so far"
	// MsgJobStopped ends a delete_records_before that the family's shutdown
	// interrupted, args deleted and matched so far.
	MsgJobStopped = "stopped because the records family shut down: %d of %d records were deleted"
	// MsgNoHost: a job operation when the host offered no Host service.
	MsgNoHost = "jobs are unavailable: the host offered no job service"
	// MsgUnsupportedStatement: a SQL statement kind the family cannot run.
	MsgUnsupportedStatement = "SQL feature not supported: %s statements"
	// MsgExportFormat: export_search's format is not "json" or "csv".
	MsgExportFormat = "'format' must be one of the following values: json, csv"
	// MsgExportSearch: export_search's search_operation is not an object
	// whose operation is one of the searches an export may run.
	MsgExportSearch = "'search_operation' must be an object whose operation is one of: search_by_value, search_by_hash, sql, search_by_conditions"
	// MsgExportNotSelect: export_search's sql is not a SELECT (an export
	// never changes data). The export family words its own refusal the
	// same way.
	MsgExportNotSelect = "search_operation.sql must be a SELECT statement"
	// MsgAtLeast: a limit or offset below its least value, args the field
	// and the least value (HarperDB's validator's words).
	MsgAtLeast = "'%s' must be greater than or equal to %d"
	// MsgUnknownAttribute is HarperDB's 400 for a search_by_conditions
	// condition on an attribute the table does not have, arg the attribute.
	MsgUnknownAttribute = "unknown attribute '%s'"
	// MsgNotDefined is HarperDB's 404 for a search_by_value or sort on an
	// attribute the table does not have, arg the attribute.
	MsgNotDefined = "%s is not a defined attribute"
	// MsgSQLUpdateNoTable: a SQL UPDATE of an unknown database or table,
	// args database and table (HarperDB's text, which it answers as a 500).
	MsgSQLUpdateNoTable = "table %s.%s does not exist"
	// MsgAttrNotFound is HarperDB's invalid_schema_items entry for an
	// attribute a role cannot see, args database, table and attribute.
	MsgAttrNotFound = "Attribute '%s' does not exist on '%s.%s'"
)
