package router

// Messages users see, as HarperDB words them.
const (
	MsgNoOperation      = "Request body must include an 'operation' property."
	MsgOperationUnknown = "Operation '%s' not found"
	MsgEmptyBody        = "Body cannot be empty when content-type is set to 'application/json'"
	MsgRestricted       = "Operation '%s' is restricted to 'super_user' roles"
)
