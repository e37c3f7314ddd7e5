# www
