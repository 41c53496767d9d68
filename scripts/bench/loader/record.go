package main

import (
	"fmt"
	"time"
)

// record is one benchmark row: eleven attributes of every JSON kind a
// user stores (strings, integers, floats, a boolean, a nested object, an
// array and an ISO 8601 date string), about 300 bytes of JSON.
type record struct {
	ID       int      `json:"id"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Age      int      `json:"age"`
	Score    float64  `json:"score"`
	Balance  float64  `json:"balance"`
	Active   bool     `json:"active"`
	Category string   `json:"category"`
	Tags     []string `json:"tags"`
	Address  address  `json:"address"`
	Created  string   `json:"created"`
}

type address struct {
	Street string `json:"street"`
	City   string `json:"city"`
	Zip    string `json:"zip"`
}

var (
	cities     = []string{"Denver", "Boulder", "Lisbon", "Osaka", "Nairobi", "Quito", "Tallinn", "Perth"}
	categories = []string{"retail", "wholesale", "partner", "internal", "trial"}
	tagWords   = []string{"red", "green", "blue", "vip", "new", "churn-risk", "beta", "eu", "us", "apac"}
	// epoch2020 is the earliest `created` date; spanCreated is the range the
	// dates spread over (five years), so the attribute has many values.
	epoch2020   = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	spanCreated = 5 * 365 * 24 * time.Hour
)

// splitmix64 is a tiny, well-mixed hash: record id -> pseudo-random bits,
// so record i is identical on every run without a shared generator.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// isoMillis is ISO 8601 with milliseconds, as JavaScript's toISOString.
const isoMillis = "2006-01-02T15:04:05.000Z07:00"

// makeRecord builds record id deterministically.
func makeRecord(id int) record {
	h := splitmix64(uint64(id))
	h2 := splitmix64(h)
	nTags := 1 + int(h%3)
	tags := make([]string, nTags)
	for i := range tags {
		tags[i] = tagWords[(h>>(8*i+8))%uint64(len(tagWords))]
	}
	return record{
		ID:       id,
		Name:     fmt.Sprintf("user %d", id),
		Email:    fmt.Sprintf("user%d@example.com", id),
		Age:      18 + int(h%70),
		Score:    float64(h2%1_000_000) / 1000,
		Balance:  float64((h2>>20)%100_000_000) / 100,
		Active:   h&1 == 0,
		Category: categories[(h>>40)%uint64(len(categories))],
		Tags:     tags,
		Address: address{
			Street: fmt.Sprintf("%d Main St", 1+h2%9999),
			City:   cities[(h2>>32)%uint64(len(cities))],
			Zip:    fmt.Sprintf("%05d", h2%100_000),
		},
		Created: epoch2020.Add(time.Duration(h2 % uint64(spanCreated))).Format(isoMillis),
	}
}
