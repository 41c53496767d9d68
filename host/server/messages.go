package server

// Messages users see, as HarperDB words them.
const (
	MsgNoOperation      = "Request body must include an 'operation' property."
	MsgOperationUnknown = "Operation '%s' not found"
	MsgEmptyBody        = "Body cannot be empty when content-type is set to 'application/json'"
	MsgUnsupportedMedia = "Unsupported Media Type: %s"
	MsgBodyTooLarge     = "Request body is larger than the limit of %d bytes"
	MsgRestricted       = "Operation '%s' is restricted to 'super_user' roles"
	MsgNotFound         = "Not found"
	MsgMethodNotAllowed = "Method not allowed"
	MsgHealthy          = "hops is running."
)
