(function(){var b=document.getElementById('openApp');if(b){b.addEventListener('click',function(){
location.href='/app/download.html';});}
document.querySelectorAll('[data-q]').forEach(function(el){el.addEventListener('click',function(){
window._hmt&&window._hmt.push(['_trackEvent','chip','click',el.getAttribute('data-q')]);});});})();
