// Command floor is the benchmark baseline for the operations API: a bare
// Echo handler that checks the same Basic auth header hops gets and
// answers a constant JSON body. What hops adds on top of it (registry,
// cached credential check, the gRPC hop to a family process, streaming)
// is the cost the benchmark reports as a ratio.
package main

import (
	"crypto/subtle"
	"encoding/base64"
	"flag"
	"log"
	"net/http"

	"github.com/labstack/echo/v4"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9990", "listen address")
	user := flag.String("user", "admin", "Basic user")
	pass := flag.String("pass", "password", "Basic password")
	flag.Parse()
	want := []byte("Basic " + base64.StdEncoding.EncodeToString([]byte(*user+":"+*pass)))
	body := []byte(`{"id":"primary","status":"up","__createdtime__":1795425470050,"__updatedtime__":1795425470050}` + "\n")
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST("/", func(c echo.Context) error {
		if subtle.ConstantTimeCompare([]byte(c.Request().Header.Get("Authorization")), want) != 1 {
			return c.JSON(http.StatusUnauthorized, map[string]string{"error": "Login failed"})
		}
		return c.Blob(http.StatusOK, "application/json", body)
	})
	log.Fatal(e.Start(*addr))
}
