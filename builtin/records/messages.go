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
	// MsgRecordNotObject: a records array holding something other than
	// an object, arg the index of the first (HarperDB's validator's words).
	MsgRecordNotObject = "'records[%d]' must be of type object"
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
	// MsgUnknownAttribute is HarperDB's 400 for a search naming attributes
	// the table does not have (in get_attributes, search_attribute or a
	// condition), arg the names ("a, b and c").
	MsgUnknownAttribute = "unknown attribute '%s'"
	// MsgAttributesEmpty and MsgAttributesEmptyHash: get_attributes [] in
	// search_by_value or search_by_conditions, and in search_by_hash, arg
	// the field (HarperDB's validators' words).
	MsgAttributesEmpty     = "'%s' must contain at least 1 items"
	MsgAttributesEmptyHash = "'%s' must contain at least 1 item"
	// MsgHashValuesScalar: search_by_hash keys that are not all strings
	// or numbers, arg the field (HarperDB's text, answered as a 500).
	MsgHashValuesScalar = "'%s' must be strings or numbers"
	// MsgConditionsEmpty: search_by_conditions with an empty conditions
	// array (HarperDB's validator's words).
	MsgConditionsEmpty = "'conditions' must contain at least 1 items"
	// MsgAndTooFew and MsgOrTooFew: a group without enough conditions for
	// its operator (HarperDB answers these two with a 500).
	MsgAndTooFew = "An \"and\" operator requires at least one condition"
	MsgOrTooFew  = "An \"or\" operator requires at least two conditions"
	// MsgConditionNoValue: a condition with neither value nor
	// search_value, arg its attribute.
	MsgConditionNoValue = "Search condition for %s must have a value"
	// MsgTableNotFound is HarperDB's 400 for search_by_conditions on a
	// table its database lacks (other operations answer 404
	// store.ErrMsgTableNotFound).
	MsgTableNotFound = "Table %s not found"
	// MsgNotDefined is HarperDB's 404 for a sort on an attribute the table
	// does not have, arg the attribute.
	MsgNotDefined = "%s is not a defined attribute"
	// MsgUnknownColumn: a SQL statement reading a column its table does
	// not have, arg the column (HarperDB's text, answered as a 500).
	MsgUnknownColumn = "unknown column %s"
	// MsgSQLWriteNoDatabase: a SQL UPDATE or DELETE in an unknown
	// database, arg the database (HarperDB's text, answered as a 500).
	MsgSQLWriteNoDatabase = "schema %s does not exist"
	// MsgSQLUpdateNoTable: a SQL UPDATE or DELETE of an unknown table,
	// args database and table (HarperDB's text, which it answers as a 500).
	MsgSQLUpdateNoTable = "table %s.%s does not exist"
	// MsgAttrNotFound is HarperDB's invalid_schema_items entry for an
	// attribute a role cannot see, args database, table and attribute.
	MsgAttrNotFound = "Attribute '%s' does not exist on '%s.%s'"
	// MsgLoaded ends a bulk load COMPLETE (HarperDB's text), args records
	// written and rows read.
	MsgLoaded = "successfully loaded %d of %d records"
	// MsgNoRecordsParsed ends a csv_data_load of no rows (HarperDB's text).
	MsgNoRecordsParsed = "No records parsed from csv file."
	// MsgLoadProgress is a running load's progress, args rows written and
	// rows in all.
	MsgLoadProgress = "%d of %d records loaded so far"
	// MsgLoadStopped ends a load the family's shutdown interrupted, args
	// records written and rows in all.
	MsgLoadStopped = "stopped because the records family shut down: %d of %d records were loaded"
	// MsgCSVSyntax ends a load of a malformed CSV, args the line and the
	// fault (HarperDB's parser loads such a file differently, see
	// docs/compatibility.md).
	MsgCSVSyntax = "malformed CSV at line %d: %s"
	// MsgInvalidColumn is HarperDB's error for a CSV column name with a
	// character it refuses, arg the name.
	MsgInvalidColumn = "Invalid column name '%s', cancelling load operation"
	// MsgInvalidAttribute is HarperDB's error for an empty column name.
	MsgInvalidAttribute = "Invalid attribute name: '%s'"
	// MsgNoSuchFile is HarperDB's 400 for a csv_file_load of a missing
	// file, arg the path.
	MsgNoSuchFile = "No such file or directory %s"
	// MsgFilePermission is HarperDB's 400 for a file it may not read.
	MsgFilePermission = "Permission denied %s"
	// MsgFileUnreadable: csv_file_load of a path that cannot be examined.
	MsgFileUnreadable = "Cannot read %s"
	// MsgFileIsDir: csv_file_load of a directory (HarperDB starts a job
	// that fails with EISDIR).
	MsgFileIsDir = "%s is a directory, not a file"
	// MsgFileOpen: a load's file could not be opened once the job ran,
	// arg the error.
	MsgFileOpen = "the file could not be opened: %v"
	// MsgJSONNotArray: an import_from_s3 .json object that is not a JSON
	// array.
	MsgJSONNotArray = "the JSON file must hold an array of objects"
	// MsgJSONNotObject: an element of the JSON array that is not an
	// object, arg its position (1-based).
	MsgJSONNotObject = "malformed JSON: element %d of the array is not an object"
	// MsgJSONSyntax: a JSON file that does not parse, args the byte offset
	// and the parser's complaint.
	MsgJSONSyntax = "malformed JSON near byte %d: %v"
	// MsgURLScheme: csv_url_load of a URL that is not http or https.
	MsgURLScheme = "'csv_url' must be an http or https URL with a host"
	// MsgURLNotAllowed (403): a csv_url_load by a user who is not a super
	// user, of a host that resolves to an address that is not public and
	// is not in families.records.load.allowedURLs.
	MsgURLNotAllowed = "'csv_url' is not allowed: its host has an address that is not public (loopback, private or link-local), and it is not in families.records.load.allowedURLs"
	// MsgURLUnresolved: csv_url_load of a host name that does not resolve.
	MsgURLUnresolved = "'csv_url' host %s could not be resolved"
	// MsgURLRedirects: csv_url_load redirected too often.
	MsgURLRedirects = "too many redirects"
	// MsgURLFailed ends a csv_url_load whose download failed, args the URL
	// (credentials hidden) and a fixed-form reason.
	MsgURLFailed = "CSV Load failed from URL: %s, %s"
	// MsgURLStatus is HarperDB's error for an answer other than 200, args
	// the URL, the status and the status's standard text (never the
	// server's own words).
	MsgURLStatus = "CSV Load failed from URL: %s, status code: %d, message: %s"
	// MsgURLContentType is HarperDB's error for an answer whose content
	// type is not CSV, args the URL and the media type.
	MsgURLContentType = "CSV Load failed from URL: %s, unsupported content type: %s"
	// MsgFetchTooLarge ends a load whose download exceeds its bound, arg
	// the bound in bytes.
	MsgFetchTooLarge = "the download is larger than %d bytes"
	// MsgS3EndpointInvalid: an import_from_s3 s3.endpoint that is not an
	// http(s) URL (export_to_s3's words).
	MsgS3EndpointInvalid = "s3.endpoint must be an http or https URL"
	// MsgS3PathStyleInvalid: an s3.force_path_style that is not a boolean.
	MsgS3PathStyleInvalid = "s3.force_path_style must be a boolean"
	// MsgS3EndpointNotAllowed (403): import_from_s3 by a user who is not a
	// super user, naming an endpoint not in the allow-list.
	MsgS3EndpointNotAllowed = "s3.endpoint is not allowed: only a super user may name an S3 endpoint other than AWS or one of families.records.load.allowedURLs"
)
