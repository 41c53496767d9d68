package router

// Messages users see, as HarperDB words them.
const (
	MsgNoOperation      = "Request body must include an 'operation' property."
	MsgOperationUnknown = "Operation '%s' not found"
	MsgEmptyBody        = "Body cannot be empty when content-type is set to 'application/json'"
	MsgRestricted       = "Operation '%s' is restricted to 'super_user' roles"
	// MsgInternal refuses an internal operation (sdk.AccessInternal) to
	// anyone but the host's internal caller.
	MsgInternal = "Operation '%s' is internal to hops and cannot be called by clients"
)
