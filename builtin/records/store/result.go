package store

import (
	"encoding/json"
	"fmt"
)

// Success messages, as HarperDB words them (fmt formats).
const (
	// MsgDatabaseCreated answers create_database, arg the database.
	MsgDatabaseCreated = "database '%s' successfully created"
	// MsgTableCreated answers create_table, args database then table (the trailing period is HarperDB's).
	MsgTableCreated = "table '%s.%s' successfully created."
	// MsgDatabaseDropped answers drop_database, arg the database.
	MsgDatabaseDropped = "successfully deleted '%s'"
	// MsgTableDropped answers drop_table, args database then table.
	MsgTableDropped = "successfully deleted table '%s.%s'"
	// MsgAttributeCreated answers create_attribute, args database, table
	// and attribute.
	MsgAttributeCreated = "attribute '%s.%s.%s' successfully created."
	// MsgAttributeDropped answers drop_attribute, arg the attribute.
	MsgAttributeDropped = "successfully deleted attribute '%s'"
	// MsgInserted answers insert, args written then requested.
	MsgInserted = "inserted %d of %d records"
	// MsgUpdated answers update, args written then requested.
	MsgUpdated = "updated %d of %d records"
	// MsgUpserted answers upsert, args written then requested.
	MsgUpserted = "upserted %d of %d records"
	// MsgDeleted answers delete, args deleted then requested.
	MsgDeleted = "%d of %d records successfully deleted"
	// MsgDeletedOne answers a delete of one key (HarperDB's singular).
	MsgDeletedOne = "%d of %d record successfully deleted"
	// MsgDeletedBeforeOne is delete_records_before's job message when exactly one record matched.
	MsgDeletedBeforeOne = MsgDeletedOne
	// MsgNothingToDelete is delete_records_before's job message when no record matched.
	MsgNothingToDelete = "No records found to delete"
)

// DeleteBeforeMessage is the delete_records_before job message for the
// counts DeleteBefore returns (HarperDB says "record" when total is 1).
func DeleteBeforeMessage(deleted, total int) string {
	switch total {
	case 0:
		return MsgNothingToDelete
	case 1:
		return fmt.Sprintf(MsgDeletedBeforeOne, deleted, total)
	}
	return fmt.Sprintf(MsgDeleted, deleted, total)
}

// WriteOp says which write produced a WriteResult; it picks the message
// and the JSON shape.
type WriteOp string

// The four writes.
const (
	OpInsert WriteOp = "insert"
	OpUpdate WriteOp = "update"
	OpUpsert WriteOp = "upsert"
	OpDelete WriteOp = "delete"
)

// WriteResult reports one Insert, Update, Upsert or Delete. Hashes are the
// primary key values as the caller gave them (a json.Number stays a number,
// a string a string), or the generated UUID string for a record that had
// none. Marshal it as the HarperDB response body.
type WriteResult struct {
	// Op is the write that produced the result.
	Op WriteOp
	// Total is the number of records (or keys, for Delete) in the request.
	Total int
	// Inserted lists the keys Insert wrote.
	Inserted []any
	// Updated lists the keys Update wrote.
	Updated []any
	// Upserted lists the keys Upsert wrote (inserted or merged).
	Upserted []any
	// Deleted lists the keys Delete removed.
	Deleted []any
	// Skipped lists the keys not written: existing keys for Insert, unknown
	// keys for Update and Delete, repeats of a key earlier in the same request.
	Skipped []any
}

// Written returns the keys written, whatever the operation.
func (r WriteResult) Written() []any {
	switch r.Op {
	case OpInsert:
		return r.Inserted
	case OpUpdate:
		return r.Updated
	case OpUpsert:
		return r.Upserted
	}
	return r.Deleted
}

// Message is HarperDB's message for the result, e.g. "inserted 3 of 4 records".
func (r WriteResult) Message() string {
	format := MsgDeleted
	switch r.Op {
	case OpInsert:
		format = MsgInserted
	case OpUpdate:
		format = MsgUpdated
	case OpUpsert:
		format = MsgUpserted
	}
	if r.Op == OpDelete && r.Total == 1 {
		format = MsgDeletedOne
	}
	return fmt.Sprintf(format, len(r.Written()), r.Total)
}

// MarshalJSON writes HarperDB's response body, keys in HarperDB's order:
// insert {message, inserted_hashes, skipped_hashes}; update {message,
// update_hashes, skipped_hashes}; upsert {message, upserted_hashes};
// delete {message, deleted_hashes, skipped_hashes}. Empty lists are [].
func (r WriteResult) MarshalJSON() ([]byte, error) {
	written, skipped := nonNil(r.Written()), nonNil(r.Skipped)
	msg := r.Message()
	switch r.Op {
	case OpInsert:
		return json.Marshal(struct {
			Message  string `json:"message"`
			Inserted []any  `json:"inserted_hashes"`
			Skipped  []any  `json:"skipped_hashes"`
		}{msg, written, skipped})
	case OpUpdate:
		return json.Marshal(struct {
			Message string `json:"message"`
			Updated []any  `json:"update_hashes"`
			Skipped []any  `json:"skipped_hashes"`
		}{msg, written, skipped})
	case OpUpsert:
		return json.Marshal(struct {
			Message  string `json:"message"`
			Upserted []any  `json:"upserted_hashes"`
		}{msg, written})
	}
	return json.Marshal(struct {
		Message string `json:"message"`
		Deleted []any  `json:"deleted_hashes"`
		Skipped []any  `json:"skipped_hashes"`
	}{msg, written, skipped})
}

// nonNil turns a nil list into an empty one so it marshals as [].
func nonNil(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}
