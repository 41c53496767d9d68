package plugin

import (
	"github.com/hops-dev/hops/sdk"
	pb "github.com/hops-dev/hops/sdk/internal/proto"
)

// This file converts package sdk's types (Access, Operation, Caller) to and
// from their generated twins. The generated types never leave package
// plugin: sdk/internal/proto is importable only inside sdk/, and every
// exported signature here uses package sdk's types.

func accessToProto(a sdk.Access) pb.Access {
	switch a {
	case sdk.AccessSuperUser:
		return pb.Access_ACCESS_SUPER_USER
	case sdk.AccessAuthenticated:
		return pb.Access_ACCESS_AUTHENTICATED
	case sdk.AccessPermissions:
		return pb.Access_ACCESS_PERMISSIONS
	case sdk.AccessInternal:
		return pb.Access_ACCESS_INTERNAL
	}
	return pb.Access_ACCESS_UNSPECIFIED
}

func accessFromProto(a pb.Access) sdk.Access {
	switch a {
	case pb.Access_ACCESS_SUPER_USER:
		return sdk.AccessSuperUser
	case pb.Access_ACCESS_AUTHENTICATED:
		return sdk.AccessAuthenticated
	case pb.Access_ACCESS_PERMISSIONS:
		return sdk.AccessPermissions
	case pb.Access_ACCESS_INTERNAL:
		return sdk.AccessInternal
	}
	return 0
}

func operationToProto(op sdk.Operation) *pb.Operation {
	return &pb.Operation{
		Name:           op.Name,
		Access:         accessToProto(op.Access),
		Summary:        op.Summary,
		InputSchema:    op.InputSchema,
		Job:            op.Job,
		RestrictedName: op.RestrictedName,
	}
}

func operationFromProto(op *pb.Operation) sdk.Operation {
	return sdk.Operation{
		Name:           op.GetName(),
		Access:         accessFromProto(op.GetAccess()),
		Summary:        op.GetSummary(),
		InputSchema:    op.GetInputSchema(),
		Job:            op.GetJob(),
		RestrictedName: op.GetRestrictedName(),
	}
}

func callerToProto(c sdk.Caller) *pb.Caller {
	return &pb.Caller{
		Username:    c.Username,
		Role:        c.Role,
		SuperUser:   c.SuperUser,
		Permissions: c.Permissions,
		Token:       c.Token,
	}
}

func callerFromProto(c *pb.Caller) sdk.Caller {
	if c == nil {
		return sdk.Caller{}
	}
	return sdk.Caller{
		Username:    c.GetUsername(),
		Role:        c.GetRole(),
		SuperUser:   c.GetSuperUser(),
		Permissions: c.GetPermissions(),
		Token:       c.GetToken(),
	}
}

// tokenCaller is the caller of a family's call into the host: only the
// token, which the host resolves; nothing else the family claims.
func tokenCaller(c *pb.Caller) sdk.Caller {
	return sdk.Caller{Token: c.GetToken()}
}
