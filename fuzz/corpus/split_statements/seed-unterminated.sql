select $tag$ never closed;
