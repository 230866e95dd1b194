curl -si localhost:5000/stuff -d stuff=Apple
curl -s localhost:5000/stuff -d stuff=Banana
curl -s localhost:5000/stuff -d stuff=Apple -w ' %{http_code}\n'
curl -s localhost:5000/stuff
curl -s localhost:5000/stuff/1
curl -s localhost:5000/stuff/5432 -w ' %{http_code}\n'
curl -s -X PATCH localhost:5000/stuff/2 -d stuff=Cherry -w '%{http_code}\n'
curl -s -X DELETE localhost:5000/stuff/1 -w '%{http_code}\n'
curl -s -X DELETE localhost:5000/stuff/1 -w ' %{http_code}\n'
curl -s localhost:5000/stuff
