# entrypoint: app/level
package app

level := "high" if input.score > 8

else := "low"
