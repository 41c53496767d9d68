package certs

import (
	"context"

	"github.com/hops-dev/hops/builtin/certs/certstore"
	"github.com/hops-dev/hops/sdk"
)

// Handlers read the request (sdk.Fields) and call the engine. The engine's input
// errors are *certstore.Error, which carries its HTTP status (400 or 404)
// and a constant message, so they are returned as they are; any other
// error is a fault the SDK answers 500 with an error id.

// addCertificate answers {"message": "Successfully added certificate: <name>"}.
func (f *Family) addCertificate(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	in, err := certstore.DecodeAddInput(req.Body)
	if err != nil {
		return nil, err
	}
	return f.withStore(func(s *certstore.Store) (*sdk.Response, error) {
		if err := s.Add(in); err != nil {
			return nil, err
		}
		f.log.Info("certificate added", "name", in.Name, "is_authority", in.IsAuthority, "request_id", req.ID)
		return sdk.Message(certstore.AddedMessage(in.Name)), nil
	})
}

// removeCertificate answers {"message": "Successfully removed <name>"}; an
// unknown name is a 404.
func (f *Family) removeCertificate(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	name := fields.String("name", sdk.Required)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	return f.withStore(func(s *certstore.Store) (*sdk.Response, error) {
		if err := s.Remove(name); err != nil {
			return nil, err
		}
		f.log.Info("certificate removed", "name", name, "request_id", req.ID)
		return sdk.Message(certstore.RemovedMessage(name)), nil
	})
}

// listCertificates answers the array of records in name order.
func (f *Family) listCertificates(context.Context, *sdk.Request) (*sdk.Response, error) {
	return f.withStore(func(s *certstore.Store) (*sdk.Response, error) {
		body, err := s.ListJSON()
		if err != nil {
			return nil, err
		}
		return sdk.RawJSON(body), nil
	})
}
