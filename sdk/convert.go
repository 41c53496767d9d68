package sdk

import (
	pb "github.com/hops-dev/hops/sdk/proto"
)

// This file is the wall between generated protobuf types and the SDK's
// hand-written ones: nothing else converts between them.

func accessToProto(a Access) pb.Access {
	switch a {
	case AccessSuperUser:
		return pb.Access_ACCESS_SUPER_USER
	case AccessAuthenticated:
		return pb.Access_ACCESS_AUTHENTICATED
	case AccessPermissions:
		return pb.Access_ACCESS_PERMISSIONS
	}
	return pb.Access_ACCESS_UNSPECIFIED
}

func accessFromProto(a pb.Access) Access {
	switch a {
	case pb.Access_ACCESS_SUPER_USER:
		return AccessSuperUser
	case pb.Access_ACCESS_AUTHENTICATED:
		return AccessAuthenticated
	case pb.Access_ACCESS_PERMISSIONS:
		return AccessPermissions
	}
	return 0
}

func operationToProto(op Operation) *pb.Operation {
	return &pb.Operation{
		Name:           op.Name,
		Access:         accessToProto(op.Access),
		Summary:        op.Summary,
		InputSchema:    op.InputSchema,
		Job:            op.Job,
		RestrictedName: op.RestrictedName,
	}
}

func operationFromProto(op *pb.Operation) Operation {
	return Operation{
		Name:           op.GetName(),
		Access:         accessFromProto(op.GetAccess()),
		Summary:        op.GetSummary(),
		InputSchema:    op.GetInputSchema(),
		Job:            op.GetJob(),
		RestrictedName: op.GetRestrictedName(),
	}
}

func callerToProto(c Caller) *pb.Caller {
	return &pb.Caller{
		Username:    c.Username,
		Role:        c.Role,
		SuperUser:   c.SuperUser,
		Permissions: c.Permissions,
		Token:       c.Token,
	}
}

func callerFromProto(c *pb.Caller) Caller {
	if c == nil {
		return Caller{}
	}
	return Caller{
		Username:    c.GetUsername(),
		Role:        c.GetRole(),
		SuperUser:   c.GetSuperUser(),
		Permissions: c.GetPermissions(),
		Token:       c.GetToken(),
	}
}
