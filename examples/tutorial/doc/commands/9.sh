curl -s localhost:5000/health
curl -s localhost:5000/ready
