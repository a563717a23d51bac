(function(){var s=document.currentScript,app=document.getElementById('app');
fetch('/api/qa?page='+encodeURIComponent(s.getAttribute('data-page'))).then(function(r){return r.json();})
.then(function(d){app.innerHTML='<h1>'+d.title+'</h1>'+d.html;});})();
