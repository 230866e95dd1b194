curl -si localhost:5000/hello
curl -s localhost:5000/nothing-here -w ' %{http_code}\n'
curl -s -X DELETE localhost:5000/hello -w ' %{http_code}\n'
